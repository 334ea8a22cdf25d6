"""AC302: can bounces reach the envelope domain at all? (RFC 5321 §5.1, RFC 7505)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from aligncheck.findings import Problem, Severity
from aligncheck.rules.base import Rule
from aligncheck.rules.dns_failures import failure_problem

if TYPE_CHECKING:
    from aligncheck.resolver import Failure, Lookup, Question
    from aligncheck.rules.context import DnsRun, Domains
    from aligncheck.send import DnsSend
    from aligncheck.settings import Settings

RULES = [
    Rule(
        "AC302",
        "envelope-undeliverable",
        Severity.ERROR,
        "The envelope domain cannot receive mail: bounces and DSNs are lost.",
        "The envelope domain does not exist (NXDOMAIN), publishes a null MX (`MX 0 .`, RFC "
        "7505), or has neither MX nor A/AAAA records (RFC 5321 §5.1: without MX the A/AAAA "
        "records are the implicit MX). CNAMEs are followed. Receivers may also reject mail "
        "whose MAIL FROM domain has a null MX (`550 5.7.27`).",
        failing="from: info@example.com\nenvelope: bounces@example.com\n",
        passing="from: info@example.com\nenvelope: bounces@example.com\n",
        needs_dns=True,
        dns=(("example.com", "MX", "0 ."), ("_dmarc.example.com", "TXT", "v=DMARC1; p=reject")),
        passing_dns=(
            ("example.com", "MX", "10 mx.example.com."),
            ("_dmarc.example.com", "TXT", "v=DMARC1; p=reject"),
        ),
    ),
]


def questions(domains: Domains, models: Sequence[str], settings: Settings) -> Iterator[Question]:
    """First round: the MX of each envelope domain."""
    for domain in domains.envelopes:
        yield domain, "MX"


def followups(run: DnsRun, domains: Domains) -> Iterator[Question]:
    """Second round: A and AAAA, only where MX gave no data (the implicit MX)."""
    for domain in domains.envelopes:
        answer = run.lookup.answer(domain, "MX")
        if answer is not None and answer.kind == "nodata":
            yield domain, "A"
            yield domain, "AAAA"


def undeliverable(lookup: Lookup, domain: str) -> str | None:
    """Why mail to `domain` cannot be delivered, or None when it can. Raises Failure."""
    from aligncheck.resolver import needed

    mx = needed(lookup, domain, "MX")
    if mx.kind == "nxdomain":
        return "the domain does not exist (NXDOMAIN)"
    if mx.kind == "records":
        if any(_is_null_mx(record) for record in mx.records):
            return "it publishes a null MX (MX 0 .): it accepts no mail"
        return None
    addresses = [needed(lookup, domain, rdtype) for rdtype in ("A", "AAAA")]
    if any(answer.kind == "records" for answer in addresses):
        return None  # the implicit MX
    return "it has no MX and no A/AAAA records"


def _judged(run: DnsRun, domain: str) -> str | Failure | None:
    """`undeliverable` of an envelope domain, or the Failure it raised: once per run (every
    send with that envelope asks)."""
    known: dict[str, str | Failure | None] = run.kept(__name__, dict, dict)
    if domain in known:
        return known[domain]
    from aligncheck.resolver import Failure

    try:
        found: str | Failure | None = undeliverable(run.lookup, domain)
    except Failure as failure:
        found = failure
    known[domain] = found
    return found


def _is_null_mx(record: str) -> bool:
    preference, _, exchange = record.partition(" ")
    return preference == "0" and exchange.strip() in (".", "")


def shared(send: DnsSend) -> tuple[str, ...]:
    """Nothing: each send's envelope is judged at the send."""
    return ()


def check(send: DnsSend, run: DnsRun) -> Iterator[Problem]:
    envelope = send.envelope
    if envelope is None or envelope.mailbox is None:
        return
    domain = envelope.mailbox.domain
    reason = _judged(run, domain)
    if not isinstance(reason, str | None):
        yield failure_problem(reason, envelope.pos, f"the deliverability check of `{domain}`")
        return
    if reason is not None:
        yield Problem(
            "AC302",
            envelope.pos,
            f"envelope domain `{domain}` cannot receive bounces or DSNs: {reason}",
        )
