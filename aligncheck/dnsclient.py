"""The UDP/TCP client behind `dns.resolve_all`: many questions in flight over a few sockets.

Imported only when a run asks DNS, so runs that need none never load asyncio.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import Mapping

from aligncheck import dnswire
from aligncheck.dns import Answer, NameserverError, Question, ResolverConfig, parse_nameserver
from aligncheck.dnswire import Response

MAX_REFERRALS = 8


async def resolve(questions: list[Question], config: ResolverConfig) -> Mapping[Question, Answer]:
    try:
        servers = _servers(config)
    except NameserverError as exc:
        return {question: Answer("failure", error=str(exc)) for question in questions}
    client = _UdpClient(servers)
    await client.open()
    limit = asyncio.Semaphore(max(1, config.concurrency))

    async def ask(question: Question) -> tuple[Question, Answer]:
        async with limit:
            return question, await client.ask(question, config.timeout)

    try:
        results = await asyncio.gather(*(ask(q) for q in questions))
    finally:
        client.close()
    return dict(results)


def _servers(config: ResolverConfig) -> list[tuple[str, int]]:
    if config.nameservers:
        return [parse_nameserver(ns) for ns in config.nameservers]
    import dns.resolver

    try:
        system = dns.resolver.Resolver()
    except dns.resolver.NoResolverConfiguration:
        raise NameserverError("no system nameserver is configured (use --nameserver)") from None
    servers = [(str(ns), 53) for ns in system.nameservers]
    if not servers:
        raise NameserverError("no system nameserver is configured (use --nameserver)")
    return servers


class _UdpClient(asyncio.DatagramProtocol):
    """Many questions over a few UDP sockets, matched to their answers by id, server and
    question (an answer with the wrong id, from elsewhere or for another name is ignored).
    Truncated answers are asked again over TCP."""

    SOCKETS = 4

    def __init__(self, servers: list[tuple[str, int]]) -> None:
        self.servers = servers
        self.pending: dict[int, tuple[Question, tuple[str, int], asyncio.Future[Response]]] = {}
        self.transports: dict[int, list[asyncio.DatagramTransport]] = {}

    async def open(self) -> None:
        """A few sockets per address family among the nameservers (IPv4, IPv6 or both)."""
        loop = asyncio.get_running_loop()
        for family in {_family(host) for host, _ in self.servers}:
            for _ in range(self.SOCKETS):
                try:
                    transport, _ = await loop.create_datagram_endpoint(lambda: self, family=family)
                except OSError:
                    break  # e.g. no IPv6 here: questions to those servers fail, not the run
                self.transports.setdefault(family, []).append(transport)

    def close(self) -> None:
        for transports in self.transports.values():
            for transport in transports:
                transport.close()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 2:
            return
        entry = self.pending.get(int.from_bytes(data[:2], "big"))
        if entry is None:
            return
        question, server, future = entry
        if not _same_server(addr, server) or future.done():
            return
        try:
            response = dnswire.decode(data)
        except dnswire.WireError:
            return  # malformed: wait for a real answer, or time out
        if _matches(response, question):
            future.set_result(response)

    async def ask(self, question: Question, lifetime: float) -> Answer:
        """The answer to a question, following a CNAME into another zone (at most 8 times)
        when the server's answer stops at the alias."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + lifetime
        name, rdtype = question
        seen = {name.lower()}
        min_ttl: float | None = None
        for _ in range(MAX_REFERRALS):
            answer = await self._ask_once((name, rdtype), max(0.05, deadline - loop.time()))
            if isinstance(answer, Answer):
                if min_ttl is not None:
                    answer = Answer(
                        answer.kind, answer.records, answer.error, ttl=min(answer.ttl, min_ttl)
                    )
                return answer
            target, ttl = answer
            min_ttl = ttl if min_ttl is None else min(min_ttl, ttl)
            if target in seen:
                return Answer("failure", error=f"CNAME loop through `{target}`")
            seen.add(target)
            name = target
        return Answer("failure", error=f"more than {MAX_REFERRALS} CNAMEs in a row")

    async def _ask_once(self, question: Question, lifetime: float) -> Answer | tuple[str, float]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + lifetime
        per_try = max(0.2, min(2.0, lifetime / 3))
        errors: list[str] = []
        attempt = 0
        while loop.time() < deadline - 0.005:
            server = self.servers[attempt % len(self.servers)]
            attempt += 1
            try:
                response = await self._exchange(
                    question, server, min(per_try, deadline - loop.time())
                )
            except dnswire.WireError as exc:
                return Answer("failure", error=str(exc))
            if response is None:
                continue
            if response.truncated:
                tcp = await _over_tcp(question, server, max(0.1, deadline - loop.time()))
                if isinstance(tcp, str):
                    errors.append(tcp)
                    continue
                response = tcp
            answer = _interpret(response)
            if answer is not None:
                return answer
            errors.append(
                f"the nameserver answered {dnswire.RCODES.get(response.rcode, response.rcode)}"
            )
            if len(errors) >= len(self.servers):
                break
        if errors:
            return Answer("failure", error=errors[-1])
        return Answer("failure", error=f"timed out after {lifetime:g} s")

    async def _exchange(
        self, question: Question, server: tuple[str, int], timeout: float
    ) -> Response | None:
        loop = asyncio.get_running_loop()
        query_id = secrets.randbelow(65536)
        while query_id in self.pending:
            query_id = secrets.randbelow(65536)
        wire = dnswire.encode_query(query_id, *question)
        future: asyncio.Future[Response] = loop.create_future()
        self.pending[query_id] = (question, server, future)
        try:
            transports = self.transports.get(_family(server[0]))
            if not transports:
                return None
            transports[query_id % len(transports)].sendto(wire, server)
            return await asyncio.wait_for(future, max(0.01, timeout))
        except (TimeoutError, OSError):
            return None
        finally:
            del self.pending[query_id]


def _same_server(addr: tuple[str, int], server: tuple[str, int]) -> bool:
    """An answer comes from the server asked (IPv6 addresses compared in canonical form)."""
    if addr[1] != server[1]:
        return False
    if addr[0] == server[0]:
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(addr[0].split("%")[0]) == ipaddress.ip_address(server[0])
    except ValueError:
        return False


def _family(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _matches(response: Response, question: Question) -> bool:
    name, rdtype = question
    qname, qtype, qclass = response.question
    return (
        bool(response.flags & dnswire.FLAG_QR)
        and qname == name.lower().rstrip(".")
        and qtype == dnswire.TYPES[rdtype]
        and qclass == dnswire.CLASS_IN
    )


async def _over_tcp(question: Question, server: tuple[str, int], timeout: float) -> Response | str:
    query_id = secrets.randbelow(65536)
    wire = dnswire.encode_query(query_id, *question)
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(server[0], server[1])
            writer.write(len(wire).to_bytes(2, "big") + wire)
            await writer.drain()
            size = int.from_bytes(await reader.readexactly(2), "big")
            response = dnswire.decode(await reader.readexactly(size))
    except (TimeoutError, OSError, asyncio.IncompleteReadError, dnswire.WireError) as exc:
        return f"TCP retry failed: {exc or type(exc).__name__}"
    finally:
        if writer is not None:
            writer.close()
    if response.query_id != query_id or not _matches(response, question):
        return "TCP retry failed: the answer does not match the question"
    return response


def _interpret(response: Response) -> Answer | tuple[str, float] | None:
    """An Answer for NOERROR and NXDOMAIN responses; the CNAME target and TTL when the answer
    stops at an alias into another zone; None for SERVFAIL, REFUSED and the like."""
    if response.rcode not in (dnswire.NOERROR, dnswire.NXDOMAIN):
        return None
    try:
        records, ttl, last = dnswire.answer_records(response)
    except dnswire.WireError as exc:
        return Answer("failure", error=f"unusable answer: {exc}")
    if response.rcode == dnswire.NXDOMAIN:
        return Answer("nxdomain", ttl=float(dnswire.negative_ttl(response)))
    if not records:
        if last != response.question[0] and not any(
            r.rdtype == dnswire.TYPES["SOA"] for r in response.authority
        ):
            return last, float(ttl)  # the alias's zone does not hold the target: ask it
        return Answer("nodata", ttl=float(dnswire.negative_ttl(response)))
    return Answer("records", tuple(sorted(r.data for r in records)), ttl=float(ttl))
