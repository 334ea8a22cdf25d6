"""A UDP relay in front of a DNS server: counts the questions it forwards and can add a fixed
latency to every answer, as a recursive resolver far away would. It runs its own asyncio loop
in a thread, so thousands of questions can be in flight at once (the benchmarks use it)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


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


class _Upstream(asyncio.DatagramProtocol):
    """One socket to the server; query ids are rewritten so that thousands of questions from
    many clients can be in flight on it at once."""

    def __init__(self, relay: CountingRelay) -> None:
        self.relay = relay

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        waiting = self.relay.waiting.pop(int.from_bytes(data[:2], "big"), None)
        if waiting is None:
            return
        original_id, client = waiting
        reply = original_id + data[2:]
        front = self.relay.front
        if front is None:
            return
        loop = asyncio.get_running_loop()
        if self.relay.latency:
            loop.call_later(self.relay.latency, front.sendto, reply, client)
        else:
            front.sendto(reply, client)


class _Front(asyncio.DatagramProtocol):
    def __init__(self, relay: CountingRelay) -> None:
        self.relay = relay

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        relay = self.relay
        if len(data) < 12 or relay.upstream_transport is None:
            return
        relay.raw_questions[data[2:]] += 1  # all but the id; decoded when read (a cheap relay)
        relay.next_id = (relay.next_id + 1) % 65536
        relay.waiting[relay.next_id] = (data[:2], addr)
        relay.upstream_transport.sendto(relay.next_id.to_bytes(2, "big") + data[2:])


class CountingRelay:
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
        self.front: asyncio.DatagramTransport | None = None
        self.upstream_transport: asyncio.DatagramTransport | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
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

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            upstream, _ = await self._loop.create_datagram_endpoint(
                lambda: _Upstream(self), remote_addr=self.upstream
            )
            self.upstream_transport = upstream  # type: ignore[assignment]
            transport, _ = await self._loop.create_datagram_endpoint(
                lambda: _Front(self), local_addr=(self.host, self.port)
            )
            self.front = transport  # type: ignore[assignment]
            self.port = int(transport.get_extra_info("sockname")[1])
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()
        self._loop.run_until_complete(asyncio.sleep(0.01))  # let closed transports finish
        self._loop.close()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("relay did not start")

    def stop(self) -> None:
        def close() -> None:
            for transport in (self.front, self.upstream_transport):
                if transport is not None:
                    transport.close()
            self._loop.stop()

        self._loop.call_soon_threadsafe(close)
        self._thread.join(timeout=5)


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
