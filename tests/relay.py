"""A UDP relay in front of a DNS server: counts the questions it forwards and can add a fixed
latency to every answer, as a recursive resolver far away would."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class CountingRelay:
    def __init__(self, upstream_port: int, latency: float = 0.0) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.latency = latency
        self.questions: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.port = int(self._socket.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, client = self._socket.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._forward, args=(data, client), daemon=True).start()

    def _forward(self, data: bytes, client: tuple[str, int]) -> None:
        import dns.message
        import dns.rdatatype

        try:
            question = dns.message.from_wire(data).question[0]
            key = (
                question.name.to_text().rstrip(".").lower(),
                dns.rdatatype.to_text(question.rdtype),
            )
        except Exception:
            key = ("<unparsable>", "?")
        with self._lock:
            self.questions[key] += 1
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
            upstream.settimeout(5)
            upstream.sendto(data, self.upstream)
            try:
                reply, _ = upstream.recvfrom(65535)
            except TimeoutError:
                return
        if self.latency:
            time.sleep(self.latency)
        with suppress(OSError):
            self._socket.sendto(reply, client)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()


@contextmanager
def relay(upstream_port: int, latency: float = 0.0) -> Iterator[CountingRelay]:
    counting = CountingRelay(upstream_port, latency)
    counting.start()
    try:
        yield counting
    finally:
        counting.stop()
