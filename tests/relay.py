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
    def __init__(self, reply: asyncio.Future[bytes]) -> None:
        self.reply = reply

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.reply.done():
            self.reply.set_result(data)


class _Front(asyncio.DatagramProtocol):
    def __init__(self, relay: CountingRelay) -> None:
        self.relay = relay
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.relay.questions[question_of(data)] += 1
        task = asyncio.ensure_future(self._forward(data, addr))
        self.relay.tasks.add(task)
        task.add_done_callback(self.relay.tasks.discard)

    async def _forward(self, data: bytes, addr: tuple[str, int]) -> None:
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[bytes] = loop.create_future()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Upstream(reply), remote_addr=self.relay.upstream
        )
        try:
            transport.sendto(data)
            answer = await asyncio.wait_for(reply, 5)
        except TimeoutError:
            return
        finally:
            transport.close()
        if self.relay.latency:
            await asyncio.sleep(self.relay.latency)
        if self.transport is not None:
            self.transport.sendto(answer, addr)


class CountingRelay:
    def __init__(
        self, upstream_port: int, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.latency = latency
        self.host = host
        self.port = port
        self.questions: Counter[tuple[str, str]] = Counter()
        self.tasks: set[asyncio.Future[None]] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._transport: asyncio.BaseTransport | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def sent(self) -> int:
        return sum(self.questions.values())

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            transport, _ = await self._loop.create_datagram_endpoint(
                lambda: _Front(self), local_addr=(self.host, self.port)
            )
            self._transport = transport
            self.port = int(transport.get_extra_info("sockname")[1])
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            self._loop.run_until_complete(asyncio.gather(*self.tasks, return_exceptions=True))
        self._loop.run_until_complete(asyncio.sleep(0.01))  # let closed transports finish
        self._loop.close()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("relay did not start")

    def stop(self) -> None:
        def close() -> None:
            if self._transport is not None:
                self._transport.close()
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
