"""Asking DNS through dnspython: many questions in flight, each with a bounded number of tries.

dnspython builds and parses every message and owns the transports: `dns.query.send_udp` and
`dns.query.receive_udp` over a fresh connected, non-blocking UDP socket per try (so a fresh
source port, and answers only from the server asked), `dns.query.tcp` once when an answer is
truncated. What dnspython's stub resolver lacks is driven here, by one `selectors` loop over
every socket in flight: `attempts` x servers tries within one limit per question, spreading
first tries over the servers (`rotate`), and following a CNAME into another zone when an
authoritative server's answer stops at the alias. Every outcome is mapped once, in
`_interpret` and `_failed`, to an `Answer`; nothing raises.

Imported only when a run asks DNS, so runs that need none never load dnspython.
"""

from __future__ import annotations

import heapq
import selectors
import socket
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import dns.exception
import dns.inet
import dns.message
import dns.name
import dns.query
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
TCP_THREADS = 8  # truncated answers asked again over TCP at once
_TRY_ERRORS = (dns.exception.DNSException, OSError, EOFError)  # how a try can fail
SPARE_DESCRIPTORS = 8 + TCP_THREADS  # files a run may still open while its queries are out
SELECT_LIMIT = 500  # where only select() waits on sockets (Windows): FD_SETSIZE is 512
_FAILED_RCODES = {
    dns.rcode.SERVFAIL: FailureReason.SERVFAIL,
    dns.rcode.REFUSED: FailureReason.REFUSED,
}


PARALLEL_QUESTIONS = 600  # above this, a batch is split over one process per core
DEALT = 16  # questions a process takes at a time from a batch shared out


def resolve_batch(
    questions: list[Question], servers: Servers, lifetime: float, concurrency: int
) -> Mapping[Question, Answer]:
    """Every question's answer. dnspython spends about half a millisecond of CPU on each
    question, so a large batch is shared out to one process per core (at most 4, each with
    its own loop and its share of the concurrency); a small one stays in this process.
    The processes take the questions 16 at a time as they have room for them, so they
    finish together however their answers differ in cost or the machine in its turns."""
    from aligncheck import parallel

    processes = min(parallel.workers(len(questions), PARALLEL_QUESTIONS), 4)
    if processes < 2:
        return resolve(questions, servers, lifetime, concurrency)
    each = max(1, concurrency // processes)
    dealer = _SharedDealer(questions)

    def ask(_: int) -> dict[Question, Answer]:
        return _Batch(servers, lifetime, each).run(dealer.take)

    answers: dict[Question, Answer] = {}
    for found in parallel.share_out(ask, range(processes), processes):
        answers.update(found)
    return answers


def resolve(
    questions: list[Question], servers: Servers, lifetime: float, concurrency: int
) -> dict[Question, Answer]:
    """An Answer for every question, at most `concurrency` in flight, each within `lifetime`."""
    given = iter([list(enumerate(questions))])  # all at once, then nothing
    return _Batch(servers, lifetime, concurrency).run(lambda: next(given, []))


class _SharedDealer:
    """A batch's questions dealt to forked processes: the next one's index lives in memory
    the processes share (inherited through fork), moved on under its lock."""

    def __init__(self, questions: list[Question]) -> None:
        import multiprocessing

        self.questions = questions
        self.next = multiprocessing.get_context("fork").Value("q", 0)

    def take(self) -> list[tuple[int, Question]]:
        with self.next.get_lock():
            start = self.next.value
            self.next.value = min(start + DEALT, len(self.questions))
        return list(enumerate(self.questions[start : start + DEALT], start))


Outcome = Answer | tuple[dns.name.Name, float]  # an answer, or a CNAME into another zone


@dataclass(eq=False)
class _Ask:
    """One question on its way: the name asked now (after CNAMEs), the tries so far."""

    question: Question
    index: int
    name: dns.name.Name
    rdtype: dns.rdatatype.RdataType
    started: float
    deadline: float
    seen: set[dns.name.Name]
    names_asked: int = 1
    tries: int = 0
    min_ttl: float | None = None
    problems: list[Answer] = field(default_factory=list)


@dataclass(eq=False)
class _Try:
    """One query to one server, over UDP (its socket) or, once truncated, over TCP."""

    ask: _Ask
    query: dns.message.Message
    host: str
    port: int
    expires: float
    sock: socket.socket | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host}]:{self.port}"


class _Batch:
    """The loop: start questions while fewer than `concurrency` are on their way, wait for
    any socket to be readable or any try to time out, settle what happened."""

    def __init__(self, servers: Servers, lifetime: float, concurrency: int) -> None:
        self.servers = servers
        self.lifetime = lifetime
        self.answers: dict[Question, Answer] = {}
        self.selector = selectors.DefaultSelector()
        self.timers: list[tuple[float, int, _Try]] = []  # (expires, order, try), lazily pruned
        self.waiting: dict[_Try, None] = {}  # UDP tries in flight
        self.busy = 0  # questions on their way
        self.order = 0
        self.tcp: ThreadPoolExecutor | None = None
        self.tcp_done: deque[tuple[_Try, Future[dns.message.Message]]] = deque()
        self.wake_read, self.wake_write = socket.socketpair()
        self.wake_read.setblocking(False)
        self.selector.register(self.wake_read, selectors.EVENT_READ, None)
        self.concurrency = max(1, min(concurrency, _socket_budget()))

    def run(self, take: Callable[[], list[tuple[int, Question]]]) -> dict[Question, Answer]:
        """Ask what `take()` gives (numbered questions; nothing once all are given) while
        fewer than `concurrency` are on their way, until every one is answered."""
        pending: deque[tuple[int, Question]] = deque()
        given = True
        try:
            while True:
                while self.busy < self.concurrency:
                    if not pending and given:
                        taken = take()
                        given = bool(taken)
                        pending.extend(taken)
                    if not pending:
                        break
                    index, question = pending.popleft()
                    self._begin(question, index)
                if not self.busy and not pending and not given:
                    break
                if self.busy:
                    self._wait()
        finally:
            for sent in self.waiting:
                if sent.sock is not None:
                    sent.sock.close()
            self.selector.close()
            self.wake_read.close()
            self.wake_write.close()
            if self.tcp is not None:
                self.tcp.shutdown(wait=True)
        return self.answers

    def _begin(self, question: Question, index: int) -> None:
        try:
            name = dns.name.from_text(question[0])
            rdtype = dns.rdatatype.from_text(question[1])
        except dns.exception.DNSException as exc:
            reason = f"cannot ask `{question[0]}`: {exc}"
            self.answers[question] = failure(FailureReason.BAD_ANSWER, reason)
            return
        now = time.monotonic()
        self.busy += 1
        self._next_try(_Ask(question, index, name, rdtype, now, now + self.lifetime, {name}))

    def _next_try(self, ask: _Ask) -> None:
        """Send the next try of `ask` (at most `attempts` x servers), or give its answer."""
        addresses = self.servers.addresses
        first = ask.index % len(addresses) if self.servers.rotate else 0
        while ask.tries < self.servers.attempts * len(addresses):
            now = time.monotonic()
            remaining = ask.deadline - now
            if remaining <= 0.001:
                break
            host, port = addresses[(first + ask.tries) % len(addresses)]
            ask.tries += 1
            query = dns.message.make_query(
                ask.name,
                ask.rdtype,
                use_edns=0 if self.servers.edns else False,
                payload=EDNS_PAYLOAD,
            )
            sent = _Try(ask, query, host, port, now + min(self.servers.try_timeout, remaining))
            try:
                self._send(sent)
            except _TRY_ERRORS as exc:
                if sent.sock is not None:
                    sent.sock.close()
                ask.problems.append(_failed(exc, sent.where))
                continue
            return
        self._finish(ask, _summary(ask.problems, time.monotonic() - ask.started))

    def _send(self, sent: _Try) -> None:
        """A socket of its own, connected to the server: a fresh source port, answers only
        from that server, and the operating system's `connection refused`."""
        family = dns.inet.af_for_address(sent.host.split("%")[0])
        sent.sock = sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.connect((sent.host, sent.port))
        dns.query.send_udp(sock, sent.query, None, sent.expires)
        self.selector.register(sock, selectors.EVENT_READ, sent)
        self.waiting[sent] = None
        self.order += 1
        heapq.heappush(self.timers, (sent.expires, self.order, sent))

    def _wait(self) -> None:
        while self.timers and self.timers[0][2] not in self.waiting:
            heapq.heappop(self.timers)  # answered already
        timeout = None
        if self.timers:
            timeout = max(0.0, self.timers[0][0] - time.monotonic())
        for key, _ in self.selector.select(timeout):
            if key.data is None:
                self._tcp_answers()
            elif key.data in self.waiting:
                self._receive(key.data)
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, sent = heapq.heappop(self.timers)
            if sent in self.waiting:
                self._drop(sent)
                timed_out = failure(FailureReason.TIMEOUT, f"no answer from {sent.where}")
                self._settle(sent.ask, timed_out)

    def _receive(self, sent: _Try) -> None:
        """Read what the socket holds: an answer to this query settles the try; anything
        else (another id, another question, a message that does not parse) is skipped and
        the socket waits on."""
        assert sent.sock is not None
        try:
            response, _, _ = dns.query.receive_udp(
                sent.sock,
                None,
                0.0,  # never wait here: once the socket is drained, the loop waits
                ignore_unexpected=True,
                raise_on_truncation=True,
                ignore_errors=True,
                query=sent.query,
            )
        except dns.exception.Timeout:
            return  # nothing usable yet
        except dns.message.Truncated:
            self._drop(sent)
            self._ask_tcp(sent)
            return
        except _TRY_ERRORS as exc:
            self._drop(sent)
            self._settle(sent.ask, _failed(exc, sent.where))
            return
        self._drop(sent)
        self._settle(sent.ask, _interpret(response, sent.where))

    def _drop(self, sent: _Try) -> None:
        del self.waiting[sent]
        if sent.sock is not None:
            self.selector.unregister(sent.sock)
            sent.sock.close()

    def _ask_tcp(self, sent: _Try) -> None:
        """The truncated question again over TCP, in a thread; the loop hears when done."""
        if self.tcp is None:
            self.tcp = ThreadPoolExecutor(TCP_THREADS, thread_name_prefix="aligncheck-tcp")
        timeout = max(0.05, sent.ask.deadline - time.monotonic())
        job = self.tcp.submit(dns.query.tcp, sent.query, sent.host, timeout, sent.port)

        def done(finished: Future[dns.message.Message]) -> None:
            self.tcp_done.append((sent, finished))
            self.wake_write.send(b"\0")

        job.add_done_callback(done)

    def _tcp_answers(self) -> None:
        try:
            while self.wake_read.recv(512):
                pass
        except BlockingIOError:
            pass
        while self.tcp_done:
            sent, finished = self.tcp_done.popleft()
            try:
                outcome: Outcome = _interpret(finished.result(), sent.where)
            except _TRY_ERRORS as exc:
                outcome = _failed(exc, sent.where)
            self._settle(sent.ask, outcome)

    def _settle(self, ask: _Ask, outcome: Outcome) -> None:
        """A try's outcome: a failure tries on; an alias into another zone is asked next
        (at most 8, never twice); an answer is the question's."""
        if isinstance(outcome, Answer):
            if outcome.failed:
                ask.problems.append(outcome)
                self._next_try(ask)
                return
            if ask.min_ttl is not None and ask.min_ttl < outcome.ttl:
                outcome = Answer(
                    outcome.kind, outcome.records, outcome.error, ask.min_ttl, outcome.reason
                )
            self._finish(ask, outcome)
            return
        target, ttl = outcome
        ask.min_ttl = ttl if ask.min_ttl is None else min(ask.min_ttl, ttl)
        if target in ask.seen:
            loop = failure(FailureReason.CNAME_LOOP, f"CNAME loop through `{_text(target)}`")
            self._finish(ask, loop)
            return
        if ask.names_asked >= MAX_REFERRALS:
            chain = f"more than {MAX_REFERRALS} CNAMEs in a row"
            self._finish(ask, failure(FailureReason.CNAME_CHAIN, chain))
            return
        ask.seen.add(target)
        ask.name = target
        ask.names_asked += 1
        ask.tries = 0
        ask.problems = []
        self._next_try(ask)

    def _finish(self, ask: _Ask, answer: Answer) -> None:
        self.answers[ask.question] = answer
        self.busy -= 1


def _socket_budget() -> int:
    """How many queries this process can have in flight: each holds a socket, so at most the
    descriptors the process may still open (its soft RLIMIT_NOFILE less those open now, less
    a few spare). macOS allows 256 by default: asking more at once would fail every query
    past the limit with `Too many open files`."""
    try:
        import resource
    except ImportError:
        return SELECT_LIMIT
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1 << 30
    return soft - _open_descriptors() - SPARE_DESCRIPTORS


def _open_descriptors() -> int:
    import os

    for listing in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(listing))
        except OSError:
            continue
    return 64  # cannot tell: assume a busy process


def _failed(exc: BaseException, where: str) -> Answer:
    """The failure an exception of a try stands for."""
    if isinstance(exc, dns.exception.Timeout):
        return failure(FailureReason.TIMEOUT, f"no answer from {where}")
    if isinstance(exc, ConnectionRefusedError):
        return failure(FailureReason.NETWORK, f"connection refused by {where}")
    if isinstance(exc, OSError | EOFError):
        detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return failure(FailureReason.NETWORK, f"network error asking {where}: {detail}")
    return failure(FailureReason.BAD_ANSWER, f"unusable answer from {where}: {exc}")


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
