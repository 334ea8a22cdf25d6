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
        self, reply: Reply, host: str = "127.0.0.1", port: int = 0, tcp: str = "refuse"
    ) -> None:
        self.reply = reply
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
                    answer = self.reply(connection.recv(size))
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
