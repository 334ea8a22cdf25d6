"""The DNS layer: `resolve_all` asks one concurrent, cached batch of questions.

Every question is asked once; every answer is an `Answer` (records, NXDOMAIN, no data, or a
failure with a typed reason), never an exception. dnspython and the persistent cache are
imported only when a batch is asked, so runs that need no DNS never load them.

Modules: `answers` (the data types), `config` (nameservers and the resolver file), `client`
(dnspython transports and the tries), `cache` (answers kept between runs), `snapshot`
(answers kept in a file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aligncheck.resolver.answers import (
    Answer,
    AnswerTable,
    Failure,
    FailureReason,
    Lookup,
    Question,
    needed,
)
from aligncheck.resolver.config import (
    NameserverError,
    ResolverConfig,
    ResolverConfigError,
    parse_nameserver,
)

__all__ = [
    "Answer",
    "AnswerTable",
    "Failure",
    "FailureReason",
    "Lookup",
    "NameserverError",
    "Question",
    "ResolverConfig",
    "ResolverConfigError",
    "needed",
    "parse_nameserver",
    "resolve_all",
    "resolve_until",
]

MAX_ROUNDS = 24  # rounds of dependent questions (include depth, MX hosts, ...) in one run


def resolve_all(
    questions: Iterable[Question], config: ResolverConfig, table: AnswerTable | None = None
) -> AnswerTable:
    """Ask every distinct question not yet in `table` once, concurrently; with
    `config.cache`, answers still fresh in the persistent cache are not asked at all.
    Raises ResolverConfigError when there is no nameserver to ask."""
    table = table if table is not None else AnswerTable()
    unique = sorted(set(questions) - set(table.answers))
    if not unique:
        return table
    from aligncheck.resolver.config import servers

    chosen = servers(config)
    cache = None
    if config.cache:
        from aligncheck.resolver.cache import DnsCache

        cache = DnsCache(",".join(config.nameservers) or "system")
        cached = cache.get(unique)
        table.answers.update(cached)
        unique = [q for q in unique if q not in cached]
    if unique:
        from aligncheck.resolver.client import resolve_batch

        fresh = resolve_batch(unique, chosen, config.timeout, config.concurrency)
        table.answers.update(fresh)
        table.queries_sent += len(unique)
        if cache is not None:
            cache.put(fresh)
    if cache is not None:
        cache.close()
    return table


def resolve_until(
    needed: Callable[[AnswerTable], Iterable[Question]],
    config: ResolverConfig,
    table: AnswerTable | None = None,
    rounds: int = MAX_ROUNDS,
) -> AnswerTable:
    """Ask, in rounds, what `needed` says is still missing from the table, until it says
    nothing new (walks that learn their next names from answers: SPF includes, MX hosts)."""
    table = table if table is not None else AnswerTable()
    for _ in range(rounds):
        missing = set(needed(table)) - set(table.answers)
        if not missing:
            break
        resolve_all(missing, config, table)
    return table
