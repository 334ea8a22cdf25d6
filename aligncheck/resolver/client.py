"""Asking DNS through dnspython: many questions in flight, each with a bounded number of tries.

dnspython builds and parses every message and owns the transports (`dns.asyncquery`: a fresh
connected UDP socket, so a fresh source port, per query; TCP once when an answer is
truncated). What dnspython's stub resolver lacks is driven here: `attempts` x servers tries
within one limit per question, spreading first tries over the servers (`rotate`), and following
a CNAME into another zone when an authoritative server's answer stops at the alias. Every
outcome is mapped once, in `_interpret` and `_exchange`, to an `Answer`; nothing raises.

Imported only when a run asks DNS, so runs that need none never load asyncio or dnspython.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping

import dns.asyncbackend
import dns.asyncquery
import dns.exception
import dns.flags
import dns.inet
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from aligncheck.resolver.answers import (
    Answer,
    FailureReason,
    Question,
    cacheable_ttl,
    failure,
    seconds,
)
from aligncheck.resolver.config import Servers

MAX_REFERRALS = 8  # CNAMEs followed into other zones for one question
MAX_CHAIN = 16  # CNAMEs inside one answer
MAX_TTL_SECONDS = 2**31 - 1
EDNS_PAYLOAD = 1232  # the DNS flag day 2020 size: no fragmentation on common paths
_FAILED_RCODES = {
    dns.rcode.SERVFAIL: FailureReason.SERVFAIL,
    dns.rcode.REFUSED: FailureReason.REFUSED,
}


PARALLEL_QUESTIONS = 600  # above this, a batch is split over one process per core


def resolve_batch(
    questions: list[Question], servers: Servers, lifetime: float, concurrency: int
) -> Mapping[Question, Answer]:
    """Every question's answer. dnspython spends about half a millisecond of CPU on each
    question, so a large batch is shared out to one process per core (each with its own
    event loop and its share of the concurrency); a small one stays in this process."""
    import os

    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or len(questions) < PARALLEL_QUESTIONS or not _can_fork():
        return asyncio.run(resolve(questions, servers, lifetime, concurrency))
    import concurrent.futures
    import multiprocessing

    shares = [questions[i::workers] for i in range(workers)]
    each = max(1, concurrency // workers)
    context = multiprocessing.get_context("fork")
    answers: dict[Question, Answer] = {}
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        jobs = [pool.submit(_resolve_share, share, servers, lifetime, each) for share in shares]
        for job in jobs:
            answers.update(job.result())
    return answers


def _resolve_share(
    questions: list[Question], servers: Servers, lifetime: float, concurrency: int
) -> dict[Question, Answer]:
    return dict(asyncio.run(resolve(questions, servers, lifetime, concurrency)))


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


async def resolve(
    questions: list[Question], servers: Servers, lifetime: float, concurrency: int
) -> Mapping[Question, Answer]:
    """An Answer for every question, at most `concurrency` in flight, each within `lifetime`."""
    limit = asyncio.Semaphore(max(1, concurrency))
    client = _Client(servers, lifetime)

    async def ask(index: int, question: Question) -> tuple[Question, Answer]:
        async with limit:
            return question, await client.ask(question, index)

    results = await asyncio.gather(*(ask(i, q) for i, q in enumerate(questions)))
    return dict(results)


class _Client:
    def __init__(self, servers: Servers, lifetime: float) -> None:
        self.servers = servers
        self.lifetime = lifetime
        self.backend = dns.asyncbackend.get_default_backend()

    async def ask(self, question: Question, index: int) -> Answer:
        """The answer to one question, following CNAMEs into other zones (at most 8)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + self.lifetime
        try:
            name = dns.name.from_text(question[0])
            rdtype = dns.rdatatype.from_text(question[1])
        except dns.exception.DNSException as exc:
            return failure(FailureReason.BAD_ANSWER, f"cannot ask `{question[0]}`: {exc}")
        seen = {name}
        min_ttl: float | None = None
        for _ in range(MAX_REFERRALS):
            outcome = await self._ask_servers(name, rdtype, index, started, deadline)
            if isinstance(outcome, Answer):
                if min_ttl is not None and min_ttl < outcome.ttl:
                    outcome = Answer(
                        outcome.kind, outcome.records, outcome.error, min_ttl, outcome.reason
                    )
                return outcome
            target, ttl = outcome
            min_ttl = ttl if min_ttl is None else min(min_ttl, ttl)
            if target in seen:
                return failure(FailureReason.CNAME_LOOP, f"CNAME loop through `{_text(target)}`")
            seen.add(target)
            name = target
        return failure(FailureReason.CNAME_CHAIN, f"more than {MAX_REFERRALS} CNAMEs in a row")

    async def _ask_servers(
        self,
        name: dns.name.Name,
        rdtype: dns.rdatatype.RdataType,
        index: int,
        started: float,
        deadline: float,
    ) -> Answer | tuple[dns.name.Name, float]:
        """At most `attempts` x servers tries, until one gives a usable answer."""
        loop = asyncio.get_running_loop()
        addresses = self.servers.addresses
        first = index % len(addresses) if self.servers.rotate else 0
        problems: list[Answer] = []
        for attempt in range(self.servers.attempts * len(addresses)):
            remaining = deadline - loop.time()
            if remaining <= 0.001:
                break
            server = addresses[(first + attempt) % len(addresses)]
            outcome = await self._exchange(
                name, rdtype, server, min(self.servers.try_timeout, remaining), deadline
            )
            if isinstance(outcome, Answer) and outcome.failed:
                problems.append(outcome)
                continue
            return outcome
        return _summary(problems, loop.time() - started)

    async def _exchange(
        self,
        name: dns.name.Name,
        rdtype: dns.rdatatype.RdataType,
        server: tuple[str, int],
        timeout: float,
        deadline: float,
    ) -> Answer | tuple[dns.name.Name, float]:
        """One try at one server: UDP, then TCP once if the answer is truncated."""
        host, port = server
        where = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
        query = dns.message.make_query(
            name, rdtype, use_edns=0 if self.servers.edns else False, payload=EDNS_PAYLOAD
        )
        try:
            try:
                response = await self._udp(query, host, port, timeout)
            except dns.message.Truncated:
                remaining = max(0.05, deadline - asyncio.get_running_loop().time())
                response = await dns.asyncquery.tcp(query, host, remaining, port)
        except dns.exception.Timeout:
            return failure(FailureReason.TIMEOUT, f"no answer from {where}")
        except ConnectionRefusedError:
            return failure(FailureReason.NETWORK, f"connection refused by {where}")
        except (OSError, EOFError) as exc:
            detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            return failure(FailureReason.NETWORK, f"network error asking {where}: {detail}")
        except dns.exception.DNSException as exc:
            return failure(FailureReason.BAD_ANSWER, f"unusable answer from {where}: {exc}")
        return _interpret(response, where)

    async def _udp(
        self, query: dns.message.Message, host: str, port: int, timeout: float
    ) -> dns.message.Message:
        """A query over a socket of its own, connected to the server: a fresh source port,
        answers only from that server, and the operating system's `connection refused`."""
        family = dns.inet.af_for_address(host.split("%")[0])
        sock = await self.backend.make_socket(  # type: ignore[no-untyped-call]
            family, socket.SOCK_DGRAM, 0, None, (host, port)
        )
        async with sock:
            return await dns.asyncquery.udp(
                query,
                host,
                timeout,
                port,
                ignore_unexpected=True,
                raise_on_truncation=True,
                sock=sock,
                ignore_errors=True,
            )


def _interpret(response: dns.message.Message, where: str) -> Answer | tuple[dns.name.Name, float]:
    """An Answer for NOERROR and NXDOMAIN; the alias and its TTL when the answer stops at a
    CNAME into a zone the server does not hold; a failure for every other response code."""
    rcode = response.rcode()
    if not isinstance(response, dns.message.QueryMessage):
        return failure(FailureReason.BAD_ANSWER, f"{where} answered with a non-query message")
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        reason = _FAILED_RCODES.get(rcode, FailureReason.RCODE)
        return failure(reason, f"{where} answered {dns.rcode.to_text(rcode)}")
    try:
        name, records, cnames, ttl = _chain(response)
    except dns.exception.DNSException as exc:
        return failure(FailureReason.BAD_ANSWER, f"unusable answer from {where}: {exc}")
    if name is None:
        return failure(FailureReason.CNAME_CHAIN, f"{where} answered with a CNAME chain too long")
    ttl = cacheable_ttl(ttl)
    if rcode == dns.rcode.NXDOMAIN:
        return Answer("nxdomain", ttl=ttl)
    if records is None:
        has_soa = any(rrset.rdtype == dns.rdatatype.SOA for rrset in response.authority)
        if cnames and not has_soa:
            return name, ttl  # the alias's zone is elsewhere: ask for it
        return Answer("nodata", ttl=ttl)
    return Answer("records", tuple(sorted(_presentation(rdata) for rdata in records)), ttl=ttl)


def _chain(
    response: dns.message.Message,
) -> tuple[dns.name.Name | None, dns.rrset.RRset | None, int, float]:
    """Follow the CNAMEs of the answer section from the question (dnspython has parsed the
    message; this reads its RRsets by owner and type, as `resolve_chaining` does, without
    its per-lookup cost): (the last name, its records or None, CNAMEs followed, the
    smallest TTL on the way, or the SOA's negative TTL). The name is None for a chain of
    more than 16 CNAMEs."""
    question = response.question[0]
    by_owner = {(rrset.name, rrset.rdtype): rrset for rrset in response.answer}
    name, ttl, cnames = question.name, float(MAX_TTL_SECONDS), 0
    while True:
        found = by_owner.get((name, question.rdtype))
        if found is not None:
            return name, found, cnames, min(ttl, found.ttl)
        alias = by_owner.get((name, dns.rdatatype.CNAME))
        if alias is None:
            break
        cnames += 1
        if cnames > MAX_CHAIN:
            return None, None, cnames, 0
        ttl = min(ttl, alias.ttl)
        name = alias[0].target
    for rrset in response.authority:
        if rrset.rdtype == dns.rdatatype.SOA:
            return name, None, cnames, min(ttl, rrset.ttl, rrset[0].minimum)
    return name, None, cnames, min(ttl, 0)


def _presentation(rdata: object) -> str:
    """TXT strings joined with no separator (RFC 7489 §6.6.3, RFC 7208 §3.3); every other type
    in dnspython's presentation form, names escaped (`mail\\.x.example.`)."""
    strings = getattr(rdata, "strings", None)
    if strings is not None:
        return b"".join(strings).decode("utf-8", errors="replace")
    return str(rdata)


def _text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True)


def _summary(problems: list[Answer], elapsed: float) -> Answer:
    """One failure for all tries: the kind of the last one, every distinct detail."""
    if not problems:
        return failure(FailureReason.TIMEOUT, f"timed out after {seconds(elapsed)}")
    details = list(dict.fromkeys(p.error for p in problems))
    last = problems[-1]
    if all(p.reason is FailureReason.TIMEOUT for p in problems):
        return failure(
            FailureReason.TIMEOUT, f"timed out after {seconds(elapsed)} ({'; '.join(details)})"
        )
    return failure(last.reason or FailureReason.UNKNOWN, "; ".join(details))
