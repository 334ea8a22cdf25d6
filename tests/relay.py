"""A UDP relay in front of a DNS server: counts the questions it forwards and can add a fixed
latency to every answer, as a recursive resolver far away would. It runs one `selectors` loop
in a thread, so thousands of questions can be in flight at once (the benchmarks use it). The
relay shares the machine's cores with the program measured, so it does as little as it can
per datagram: the latency is the same for every answer, so answers wait in arrival order and
one timer (the oldest answer's) is all the loop needs."""

from __future__ import annotations

import selectors
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress


def question_of(data: bytes) -> tuple[str, str]:
    import dns.message
    import dns.rdatatype

    try:
        question = dns.message.from_wire(data).question[0]
    except Exception:
        return ("<unparsable>", "?")
    return (
        question.name.to_text().rstrip(".").lower(),
        dns.rdatatype.to_text(question.rdtype),
    )


class CountingRelay:
    """Questions from any client go to the server on one socket, their ids rewritten so that
    thousands from many clients can be in flight on it at once; answers go back to their
    client with the original id, `latency` seconds after the server gave them."""

    def __init__(
        self, upstream_port: int, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.latency = latency
        self.host = host
        self.port = port
        self.raw_questions: Counter[bytes] = Counter()
        self.waiting: dict[int, tuple[bytes, tuple[str, int]]] = {}
        self.next_id = 0
        self._front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._stop_read, self._stop_write = socket.socketpair()
        self._due: deque[tuple[float, bytes, tuple[str, int]]] = deque()  # answers held back
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def questions(self) -> Counter[tuple[str, str]]:
        """(name, type) -> how often it reached the relay."""
        counted: Counter[tuple[str, str]] = Counter()
        for question, count in list(self.raw_questions.items()):
            counted[question_of(b"\0\0" + question)] += count
        return counted

    @property
    def sent(self) -> int:
        return sum(self.raw_questions.values())

    def start(self) -> None:
        for sock in (self._front, self._upstream):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            sock.setblocking(False)
        self._front.bind((self.host, self.port))
        self.port = int(self._front.getsockname()[1])
        self._upstream.connect(self.upstream)
        self._thread.start()

    def stop(self) -> None:
        self._stop_write.send(b"\0")
        self._thread.join(timeout=5)
        for sock in (self._front, self._upstream, self._stop_read, self._stop_write):
            sock.close()

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._front, selectors.EVENT_READ, self._questions)
        selector.register(self._upstream, selectors.EVENT_READ, self._answers)
        selector.register(self._stop_read, selectors.EVENT_READ, None)
        try:
            while True:
                timeout = None
                if self._due:
                    timeout = max(0.0, self._due[0][0] - time.monotonic())
                for key, _ in selector.select(timeout):
                    if key.data is None:
                        return
                    key.data()
                self._deliver()
        finally:
            selector.close()

    def _questions(self) -> None:
        front, upstream = self._front, self._upstream
        while True:
            try:
                data, client = front.recvfrom(65535)
            except BlockingIOError:
                return
            if len(data) < 12:
                continue
            self.raw_questions[data[2:]] += 1  # all but the id; decoded when read
            self.next_id = (self.next_id + 1) % 65536
            self.waiting[self.next_id] = (data[:2], client)
            with suppress(OSError):  # as a network would: the question is lost
                upstream.send(self.next_id.to_bytes(2, "big") + data[2:])

    def _answers(self) -> None:
        upstream = self._upstream
        while True:
            try:
                data = upstream.recv(65535)
            except BlockingIOError:
                return
            except OSError:
                continue
            waiting = self.waiting.pop(int.from_bytes(data[:2], "big"), None)
            if waiting is None:
                continue
            original_id, client = waiting
            self._due.append((time.monotonic() + self.latency, original_id + data[2:], client))

    def _deliver(self) -> None:
        now = time.monotonic()
        due, front = self._due, self._front
        while due and due[0][0] <= now:
            _, reply, client = due.popleft()
            with suppress(OSError):
                front.sendto(reply, client)


@contextmanager
def relay(
    upstream_port: int, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0
) -> Iterator[CountingRelay]:
    counting = CountingRelay(upstream_port, latency, host, port)
    counting.start()
    try:
        yield counting
    finally:
        counting.stop()
