"""What DNS said, as data: `Answer` (records, NXDOMAIN, no data, or a typed failure),
`AnswerTable` and the `Lookup` interface the checks read answers through.

Nothing here touches the network or imports dnspython, so snapshots, unit tests and offline
code can use these types for free.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal, Protocol

AnswerKind = Literal["records", "nxdomain", "nodata", "failure"]
Question = tuple[str, str]  # (name in presentation form without the trailing dot, record type)

MAX_TTL = 86_400.0  # no answer is kept longer than a day, whatever its TTL says


def no_record_text(kind: str | None, rdtype: str = "TXT") -> str:
    """How a report says an answer of this kind that holds no record of the type asked
    (`kind` None: the question was not asked)."""
    return {
        "nxdomain": "NXDOMAIN",
        "nodata": f"no {rdtype} record",
        "failure": "lookup failed",
    }.get(kind or "", "not asked")


class FailureReason(enum.Enum):
    """Why a lookup gave no usable answer (each maps to one message for AC600)."""

    TIMEOUT = "timeout"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    RCODE = "rcode"  # another response code (FORMERR, NOTIMP, ...)
    NETWORK = "network"  # the operating system refused or could not send
    CNAME_LOOP = "cname-loop"
    CNAME_CHAIN = "cname-chain"
    BAD_ANSWER = "bad-answer"
    UNKNOWN = "unknown"  # a failure read from an older snapshot


@dataclass(frozen=True)
class Answer:
    """What DNS said about one question. `records` hold presentation text per record:
    TXT character-strings joined with no separator, MX as `preference exchange.` (names in
    DNS presentation form, so `a\\.b` stays apart from `a.b`). A failure has a `reason` and
    an `error` that says it for people."""

    kind: AnswerKind
    records: tuple[str, ...] = ()
    error: str = ""
    ttl: float = field(default=0.0, compare=False)  # seconds the answer may be cached
    reason: FailureReason | None = None

    @property
    def failed(self) -> bool:
        return self.kind == "failure"


def failure(reason: FailureReason, error: str) -> Answer:
    return Answer("failure", error=error, reason=reason)


def cacheable_ttl(ttl: float) -> float:
    """RFC 2181 §8: a TTL with the top bit set means 0; no answer lives longer than a day."""
    if ttl < 0 or ttl >= 2**31:
        return 0.0
    return min(float(ttl), MAX_TTL)


def seconds(duration: float) -> str:
    """A duration for people: `2 s`, `0.5 s`, `1.3 s`."""
    return f"{round(duration, 1):g} s"


class Lookup(Protocol):
    """Answers already gathered; discovery logic reads them through this interface."""

    def answer(self, name: str, rdtype: str) -> Answer | None: ...


@dataclass
class AnswerTable:
    """A finished set of answers (live, from a snapshot, or written by a unit test)."""

    answers: dict[Question, Answer] = field(default_factory=dict)
    queries_sent: int = 0

    def answer(self, name: str, rdtype: str) -> Answer | None:
        return self.answers.get((name, rdtype))


class Failure(Exception):
    """A needed answer failed (AC600) or is absent from a snapshot (AC601, `missing`)."""

    def __init__(self, name: str, rdtype: str, answer: Answer | None) -> None:
        self.name = name
        self.rdtype = rdtype
        self.missing = answer is None
        self.reason = None if answer is None else answer.reason
        detail = "no answer recorded" if answer is None else answer.error
        super().__init__(f"{rdtype} lookup of `{name}` failed: {detail}")


def needed(lookup: Lookup, name: str, rdtype: str) -> Answer:
    """The answer to a question the caller cannot do without; raises Failure otherwise."""
    answer = lookup.answer(name, rdtype)
    if answer is None or answer.failed:
        raise Failure(name, rdtype, answer)
    return answer
