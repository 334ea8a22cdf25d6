"""DNS answers and `resolve_all`: one concurrent, cached batch of lookups.

Every question is asked once; every answer is an `Answer` (records, NXDOMAIN, no data, or a
failure), never an exception. The network code (`dnsclient`, `dnswire`) and the persistent
cache (`dnscache`) are imported only when a batch is asked, so runs that need no DNS never
load them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

AnswerKind = Literal["records", "nxdomain", "nodata", "failure"]
Question = tuple[str, str]  # (name without trailing dot, record type)


@dataclass(frozen=True)
class Answer:
    """What DNS said about one question. `records` hold presentation text per record:
    TXT character-strings joined with no separator, MX as `preference exchange`."""

    kind: AnswerKind
    records: tuple[str, ...] = ()
    error: str = ""
    ttl: float = field(default=0.0, compare=False)  # seconds the answer may be cached

    @property
    def failed(self) -> bool:
        return self.kind == "failure"


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


class NameserverError(ValueError):
    pass


_HOST_PORT = re.compile(
    r"^\[(?P<v6>[0-9A-Fa-f:.]+)\](?::(?P<v6port>\d+))?$|^(?P<host>[^:]+)(?::(?P<port>\d+))?$"
)


def parse_nameserver(text: str) -> tuple[str, int]:
    """`HOST`, `HOST:PORT`, `IPV6` or `[IPV6]:PORT` → (address, port)."""
    import ipaddress

    text = text.strip()
    if text.count(":") > 1 and not text.startswith("["):
        host, port = text, 53  # a bare IPv6 address
    else:
        match = _HOST_PORT.match(text)
        if match is None:
            raise NameserverError(
                f"invalid nameserver `{text}` (use HOST, HOST:PORT or [IPV6]:PORT)"
            )
        host = match.group("v6") or match.group("host")
        port_text = match.group("v6port") or match.group("port")
        port = int(port_text) if port_text else 53
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise NameserverError(f"nameserver `{text}` must be an IP address") from None
    if not 0 < port < 65536:
        raise NameserverError(f"nameserver `{text}`: port {port} is out of range")
    return host, port


@dataclass(frozen=True)
class ResolverConfig:
    nameservers: tuple[str, ...] = ()
    timeout: float = 5.0
    concurrency: int = 256
    cache: bool = False


def resolve_all(
    questions: Iterable[Question], config: ResolverConfig, table: AnswerTable | None = None
) -> AnswerTable:
    """Ask every distinct question not yet in `table` once, concurrently; with
    `config.cache`, answers still fresh in the persistent cache are not asked at all."""
    table = table if table is not None else AnswerTable()
    unique = sorted(set(questions) - set(table.answers))
    if not unique:
        return table
    cache = None
    if config.cache:
        from aligncheck.dnscache import DnsCache

        cache = DnsCache(",".join(config.nameservers) or "system")
        cached = cache.get(unique)
        table.answers.update(cached)
        unique = [q for q in unique if q not in cached]
    if unique:
        import asyncio

        from aligncheck.dnsclient import resolve

        fresh = asyncio.run(resolve(unique, config))
        table.answers.update(fresh)
        table.queries_sent += len(unique)
        if cache is not None:
            cache.put(fresh)
    if cache is not None:
        cache.close()
    return table
