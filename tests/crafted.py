"""A small DNS server on loopback that answers however a test says: for hostile behaviour NSD
will not show (truncation forever, TTLs with the top bit set, silence, counting source ports).

`reply(query_wire) -> bytes | None` makes the answer (None: stay silent). Over TCP the server
answers with the same function (`tcp="answer"`), accepts and closes (`"close"`), or does not
listen at all (`"refuse"`: the port is closed, so connections are refused).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dns.message
import dns.rrset

Reply = Callable[[bytes], bytes | None]


class CraftedServer:
    def __init__(
        self,
        reply: Reply,
        host: str = "127.0.0.1",
        port: int = 0,
        tcp: str = "refuse",
        tcp_reply: Reply | None = None,
    ) -> None:
        self.reply = reply
        self.tcp_reply = tcp_reply or reply
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((host, port))
        self.udp.settimeout(0.05)
        self.host, self.port = self.udp.getsockname()[:2]
        self.tcp_mode = tcp
        self.tcp: socket.socket | None = None
        if tcp != "refuse":
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.tcp.bind((host, self.port))
            self.tcp.listen(64)
            self.tcp.settimeout(0.05)
        self.udp_clients: list[tuple[str, int]] = []
        self.tcp_connections = 0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._serve_udp, daemon=True)]
        if self.tcp is not None:
            self.threads.append(threading.Thread(target=self._serve_tcp, daemon=True))

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _serve_udp(self) -> None:
        while not self.stop.is_set():
            try:
                data, client = self.udp.recvfrom(65535)
            except (TimeoutError, OSError):
                continue
            self.udp_clients.append(client)
            answer = self.reply(data)
            if answer is not None:
                self.udp.sendto(answer, client)

    def _serve_tcp(self) -> None:
        assert self.tcp is not None
        while not self.stop.is_set():
            try:
                connection, _ = self.tcp.accept()
            except (TimeoutError, OSError):
                continue
            self.tcp_connections += 1
            with connection:
                if self.tcp_mode == "close":
                    continue
                connection.settimeout(1)
                try:
                    size = int.from_bytes(connection.recv(2), "big")
                    answer = self.tcp_reply(_receive(connection, size))
                except OSError:
                    continue
                if answer is not None:
                    connection.sendall(len(answer).to_bytes(2, "big") + answer)

    @contextmanager
    def running(self) -> Iterator[CraftedServer]:
        for thread in self.threads:
            thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            for thread in self.threads:
                thread.join(timeout=2)
            self.udp.close()
            if self.tcp is not None:
                self.tcp.close()


def txt_reply(text: str, ttl: int = 300, truncated: bool = False) -> Reply:
    """Every question answered with one TXT record (optionally with TC set), any TTL: the
    TTL is written into the wire afterwards, so values dnspython refuses can be sent."""

    def reply(data: bytes) -> bytes | None:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        name = query.question[0].name
        response.answer.append(dns.rrset.from_text(name, 300, "IN", "TXT", f'"{text}"'))
        if truncated:
            response.flags |= dns.flags.TC
        wire = bytearray(response.to_wire())
        marker = (300).to_bytes(4, "big")
        at = wire.rindex(marker)  # the answer's TTL (the last 300 in the message)
        wire[at : at + 4] = ttl.to_bytes(4, "big")
        return bytes(wire)

    return reply


def silent(data: bytes) -> bytes | None:
    return None


def _receive(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


class Forwarder:
    """Replies that forward to a real server (NSD) on loopback, except for the questions
    `fails(name, rdtype)` picks: those are answered SERVFAIL (a broken server)."""

    def __init__(self, upstream_port: int, fails: Callable[[str, str], bool]) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.fails = fails

    def _failing(self, data: bytes) -> bytes | None:
        import dns.rcode
        import dns.rdatatype

        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True)
        if not self.fails(name, dns.rdatatype.to_text(question.rdtype)):
            return None
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.SERVFAIL)
        return response.to_wire()

    def udp(self, data: bytes) -> bytes | None:
        failing = self._failing(data)
        if failing is not None:
            return failing
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
            upstream.settimeout(2)
            upstream.sendto(data, self.upstream)
            return upstream.recv(65535)

    def tcp(self, data: bytes) -> bytes | None:
        failing = self._failing(data)
        if failing is not None:
            return failing
        with socket.create_connection(self.upstream, timeout=2) as upstream:
            upstream.sendall(len(data).to_bytes(2, "big") + data)
            size = int.from_bytes(_receive(upstream, 2), "big")
            return _receive(upstream, size)
