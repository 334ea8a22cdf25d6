"""AC7xx: SPF of the MAIL FROM domain (spec §7). Static lint of its record tree for the worst
case, and `check_host()` for every known sending host. Only for MAIL FROM domains aligned with
the author in at least one model in force (a misaligned one is AC301's)."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aligncheck.findings import Problem, Severity
from aligncheck.rules.base import Rule
from aligncheck.rules.dns_failures import failure_problem
from aligncheck.rules.policy import alignments

if TYPE_CHECKING:
    from aligncheck.resolver import Lookup, Question
    from aligncheck.rules.context import DnsRun, Domains
    from aligncheck.send import DnsSend
    from aligncheck.settings import Settings
    from aligncheck.spf.evaluate import Outcome
    from aligncheck.spf.lint import Tree

_ENV = "from: info@example.com\nenvelope: bounces@example.com\n"
_DMARC = ("_dmarc.example.com", "TXT", "v=DMARC1; p=reject")
_MX = ("example.com", "MX", "10 mx.example.com.")
_GOOD = ("example.com", "TXT", "v=spf1 include:spf1.smtpeter.com -all")
_ESP = ("spf1.smtpeter.com", "TXT", "v=spf1 ip4:192.0.2.0/28 -all")


def _zone(*spf: tuple[str, str, str]) -> tuple[tuple[str, str, str], ...]:
    return (_DMARC, _MX, _ESP, *spf)


def _rule(
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    description: str,
    dns: tuple[tuple[str, str, str], ...],
    options: tuple[str, ...] = (),
) -> Rule:
    """An SPF rule, documented with a send whose MAIL FROM is example.com: the failing DNS
    given, the passing DNS a record that includes SMTPeter's."""
    return Rule(
        code,
        name,
        severity,
        summary,
        description,
        failing=_ENV,
        passing=_ENV,
        needs_dns=True,
        dns=dns,
        passing_dns=_zone(_GOOD),
        options=options,
    )


RULES = [
    _rule(
        "AC700",
        "spf-missing",
        Severity.ERROR,
        "No SPF record at the MAIL FROM domain: the SPF leg of DMARC cannot pass.",
        "Without a `v=spf1` TXT record the SPF result is `none`, and DMARC rests on DKIM "
        "alone. A TXT that starts like one but is not (`v=spf10`, `v=spf1include:…`) is no "
        "record either. The severity follows the author's policy, like AC301: an error under "
        "quarantine or reject, a warning otherwise.",
        _zone(("example.com", "TXT", "v=spf1include:spf1.smtpeter.com -all")),
    ),
    _rule(
        "AC701",
        "spf-multiple",
        Severity.ERROR,
        "Several `v=spf1` records: receivers return permerror.",
        "RFC 7208 §4.5: exactly one SPF record per name. Merge them into one.",
        _zone(_GOOD, ("example.com", "TXT", "v=spf1 ip4:198.51.100.1 -all")),
    ),
    _rule(
        "AC702",
        "spf-syntax",
        Severity.ERROR,
        "The SPF record is outside the RFC 7208 grammar: permerror.",
        "An unknown mechanism, a bad CIDR length or address, a bad macro, `redirect` or `exp` "
        "twice: receivers return permerror for the whole record. The message quotes the term.",
        _zone(("example.com", "TXT", "v=spf1 include:spf1.smtpeter.com ip4:192.0.2.300 -all")),
    ),
    _rule(
        "AC703",
        "spf-too-many-lookups",
        Severity.ERROR,
        "More than 10 DNS-querying terms in the worst case: permerror.",
        "include, a, mx, ptr, exists and redirect count one each, summed through every include "
        "and redirect (the address lookups of `mx` hosts do not count). Receivers stop at the "
        "first match, so some hosts may pass today; a host that matches nothing gets "
        "permerror. The message gives the count per record. A tree is walked up to 50 "
        "DNS-querying terms and 10 levels of includes; past that, the count is a lower bound "
        "(`at least 51`).",
        _zone(
            (
                "example.com",
                "TXT",
                "v=spf1 " + " ".join(["mx"] * 10) + " include:spf1.smtpeter.com -all",
            ),
        ),
    ),
    _rule(
        "AC704",
        "spf-void-lookups",
        Severity.ERROR,
        "More than 2 void lookups (NXDOMAIN or no data) in the worst case: permerror.",
        "RFC 7208 §4.6.4: `a`, `mx` and `exists` terms whose names have no records count as "
        "void; receivers return permerror after the second. The message names the void terms "
        "and their records.",
        _zone(
            (
                "example.com",
                "TXT",
                "v=spf1 a:gone1.example.com a:gone2.example.com a:gone3.example.com "
                "include:spf1.smtpeter.com -all",
            ),
        ),
    ),
    _rule(
        "AC705",
        "spf-include-broken",
        Severity.ERROR,
        "An include or redirect target without an SPF record, or a loop.",
        "An include of a name that has no SPF record (or does not exist) is permerror, and so "
        "is a redirect to one; an include or redirect that leads back to a record on its own "
        "path is a loop.",
        _zone(("example.com", "TXT", "v=spf1 include:spf.gone.example.com -all")),
    ),
    _rule(
        "AC706",
        "spf-not-authorized",
        Severity.ERROR,
        "A sending host does not pass SPF, or nothing reaches the ESP's SPF record.",
        "With sending hosts known (`sending-ips`, a profile's `ips`, `--sender-ip`) each gets "
        "check_host(); `fail`, `softfail` or `neutral` means the SPF leg fails (the message "
        "names the host, the result and the deciding term). Without known hosts, an include "
        "or redirect must reach one of `esp-spf` (default smtpeter.com, so SMTPeter's "
        "`spfX.smtpeter.com` counts). The severity follows the policy, like AC301.",
        _zone(("example.com", "TXT", "v=spf1 ip4:198.51.100.0/24 -all")),
        options=("esp-spf",),
    ),
    _rule(
        "AC707",
        "spf-pass-all",
        Severity.ERROR,
        "`+all` or a bare `all`: any host on the internet passes SPF.",
        "Anyone can then send mail that passes SPF, and DMARC through it, as this MAIL FROM "
        "domain. End the record with `-all` (or `~all`).",
        _zone(("example.com", "TXT", "v=spf1 include:spf1.smtpeter.com all")),
    ),
    _rule(
        "AC708",
        "spf-weak-all",
        Severity.WARNING,
        "`?all`, or neither `all` nor `redirect` ends the record.",
        "Unlisted hosts then get `neutral`: SPF says nothing about them.",
        _zone(("example.com", "TXT", "v=spf1 include:spf1.smtpeter.com ?all")),
    ),
    _rule(
        "AC709",
        "spf-ptr",
        Severity.WARNING,
        "A `ptr` mechanism or `%{p}` macro.",
        "RFC 7208 §5.5: `ptr` is slow, unreliable and SHOULD NOT be published; many receivers "
        "skip it.",
        _zone(("example.com", "TXT", "v=spf1 ptr include:spf1.smtpeter.com -all")),
    ),
    _rule(
        "AC710",
        "spf-dead-terms",
        Severity.WARNING,
        "Mechanisms or `redirect` after `all`, or `redirect` beside `all`.",
        "Evaluation stops at `all`, and `redirect` is ignored when the record has `all`: those "
        "terms never take effect. `exp=` and unknown modifiers may stand anywhere.",
        _zone(("example.com", "TXT", "v=spf1 -all include:spf1.smtpeter.com")),
    ),
    _rule(
        "AC711",
        "spf-too-long",
        Severity.WARNING,
        "The record is over 450 bytes, or its TXT answer over 512 bytes.",
        "Long records and large TXT RRsets need TCP, which some receivers do not retry: "
        "their SPF lookup then fails. Computed from the records, so live and snapshot runs "
        "agree.",
        _zone(
            (
                "example.com",
                "TXT",
                "v=spf1 "
                + " ".join(f"ip4:198.51.100.{i}" for i in range(1, 25))
                + " include:spf1.smtpeter.com -all",
            )
        ),
    ),
    _rule(
        "AC712",
        "spf-deprecated",
        Severity.INFO,
        "The SPF RR type (99) or a Sender ID (`spf2.0/`) record is published.",
        "RFC 7208 discontinued the SPF RR type, and Sender ID is historic: receivers read the "
        "`v=spf1` TXT record only. Remove the others so they cannot drift apart.",
        _zone(_GOOD, ("example.com", "TXT", "spf2.0/mfrom include:spf1.smtpeter.com -all")),
    ),
    _rule(
        "AC713",
        "spf-unevaluable",
        Severity.INFO,
        "A sender-dependent macro in include, exists or redirect: not followed statically.",
        "`%{i}`, `%{s}`, `%{l}` and the like are known only for a given message: the term "
        "counts one lookup, but where it leads cannot be checked here.",
        _zone(
            (
                "example.com",
                "TXT",
                "v=spf1 include:spf1.smtpeter.com exists:%{i}.x.example.com -all",
            )
        ),
    ),
]

KINDS = {
    "spf-missing": "AC700",
    "spf-multiple": "AC701",
    "spf-syntax": "AC702",
    "spf-too-many-lookups": "AC703",
    "spf-void-lookups": "AC704",
    "spf-include-broken": "AC705",
    "spf-loop": "AC705",
    "spf-pass-all": "AC707",
    "spf-weak-all": "AC708",
    "spf-ptr": "AC709",
    "spf-dead-terms": "AC710",
    "spf-too-long": "AC711",
    "spf-deprecated": "AC712",
    "spf-unevaluable": "AC713",
}
POLICY_SEVERITY = ("AC700", "AC706")  # errors under an enforcing policy, warnings otherwise


@dataclass
class SpfState:
    """What a run has learned about SPF: trees per MAIL FROM domain, check_host outcomes
    per (domain, host, sender), and which (file, domain, author) triples were reported."""

    trees: dict[str, Tree | None] = field(default_factory=dict)
    outcomes: dict[tuple[str, str, str], Outcome] = field(default_factory=dict)
    reported: set[tuple[str, str, str]] = field(default_factory=set)
    # what sends alike (outcome.alike) are reported, judged once; never carried to a round
    found: dict[tuple[object, ...], list[tuple[str, str, Severity | None]]] = field(
        default_factory=dict
    )

    def settled(self, lookup: Lookup) -> SpfState:
        """What the next round keeps (its answers hold these ones): trees and check_host()
        results are stored only once every answer they read was there (NeedAnswers and
        failures are not)."""
        return SpfState(dict(self.trees), dict(self.outcomes))


@functools.lru_cache(maxsize=1024)  # a run's few hosts, asked for every MAIL FROM domain
def first_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """A network is evaluated by its first address (spec §7)."""
    from aligncheck.spf.evaluate import client_ip

    return client_ip(str(ipaddress.ip_network(host, strict=False).network_address))


def sender_of(send: DnsSend) -> str:
    """The MAIL FROM address check_host() gets: the envelope, or `postmaster@<bounce host>`."""
    if send.mail_from.kind == "envelope" and send.envelope is not None:
        return send.envelope.written
    return f"postmaster@{send.mail_from.domain}"


def aligned_somewhere(send: DnsSend, run: DnsRun) -> bool | None:
    """Whether the MAIL FROM aligns with the author in at least one model in force (None
    when that cannot be known: no author, or a lookup failed)."""
    if send.author_domain is None or send.mail_from.domain is None:
        return None
    found = alignments(run, send.author_domain, send.mail_from.domain)  # made once per run
    if not isinstance(found, list):
        return None  # a Failure: a later round may have the answer
    return any(alignment.aligned for _, alignment in found)


def _may_align(send: DnsSend, run: DnsRun) -> bool:
    """Whether the next level of the MAIL FROM's SPF tree is worth asking this round: the
    MAIL FROM aligns with the author in some model, or that is not known yet because an
    answer is still to be asked (an author's existence, which picks `sp` or `np` but never
    `aspf`). Not when a lookup failed or the MAIL FROM aligns in no model."""
    from aligncheck.resolver.answers import Failure

    if send.author_domain is None or send.mail_from.domain is None:
        return False
    found = alignments(run, send.author_domain, send.mail_from.domain)
    if isinstance(found, Failure):
        return found.missing
    return any(alignment.aligned for _, alignment in found)


def questions(domains: Domains, models: Sequence[str], settings: Settings) -> Iterator[Question]:
    """First round: the TXT and SPF (type 99) RRsets of every MAIL FROM domain."""
    from aligncheck.spf.lint import questions_of

    for domain in domains.mail_from:
        yield from questions_of(domain)


def followups(run: DnsRun, domains: Domains) -> Iterator[Question]:
    """The next level of the tree of every MAIL FROM domain that aligns (or may: see
    `_may_align`), and what check_host() of its known hosts needs: asked in rounds until
    nothing is missing."""
    from aligncheck.spf.evaluate import NeedAnswers

    missing: set[Question] = set()
    seen: set[tuple[object, ...]] = set()
    for send in domains.sends:
        key = (send.author_domain, send.mail_from.domain, send.hosts, sender_of(send))
        if key in seen or send.mail_from.domain is None:
            continue  # sends alike for SPF are evaluated once
        seen.add(key)
        if not _may_align(send, run):
            continue
        try:
            evaluate(send, run)
        except NeedAnswers as need:
            missing |= need.questions
    yield from missing


def _state(run: DnsRun) -> SpfState:
    return run.kept(__name__, SpfState, SpfState)


def evaluate(send: DnsSend, run: DnsRun) -> tuple[Tree | None, list[tuple[str, Outcome]]]:
    """The tree of the send's MAIL FROM domain and check_host() for each of its hosts.
    Raises NeedAnswers (each level of the tree is asked at once)."""
    from aligncheck.spf.evaluate import NeedAnswers, check_host
    from aligncheck.spf.lint import walk

    state = _state(run)
    domain = send.mail_from.domain
    assert domain is not None
    if domain not in state.trees:
        state.trees[domain] = walk(run.lookup, domain)
    tree = state.trees[domain]
    outcomes = []
    sender = sender_of(send)
    missing: set[Question] = set()
    for host in send.hosts:
        key = (domain, host, sender)
        if key not in state.outcomes:
            try:
                state.outcomes[key] = check_host(run.lookup, first_address(host), domain, sender)
            except NeedAnswers as need:
                missing |= need.questions
                continue
        outcomes.append((host, state.outcomes[key]))
    if missing:
        raise NeedAnswers(missing)
    return tree, outcomes


def shared(send: DnsSend) -> tuple[str, ...]:
    """What the SPF findings reported once per file, MAIL FROM domain and author are about."""
    domain, author = send.mail_from.domain, send.author_domain
    return () if domain is None or author is None else (f"spf:{domain} for {author}",)


def check(send: DnsSend, run: DnsRun) -> Iterator[Problem]:
    domain, author = send.mail_from.domain, send.author_domain
    if domain is None or author is None:
        return
    state = _state(run)
    key = (send.path, domain, author)
    if key in state.reported or not aligned_somewhere(send, run):
        return
    state.reported.add(key)
    (subject,) = shared(send)
    pos = send.mail_from.pos
    for code, message, level in _found(send, run):
        yield Problem(code, pos, message, level, about=subject)


def _found(send: DnsSend, run: DnsRun) -> list[tuple[str, str, Severity | None]]:
    """(code, message, severity) of the send's MAIL FROM domain, once per run for sends
    alike in what they depend on (the domain, the hosts, the sender, the DKIM leg that may
    carry DMARC instead)."""
    from aligncheck.rules.outcome import alike

    known = _state(run).found
    key = alike(send)
    found = known.get(key)
    if found is None:
        found = known[key] = _judge(send, run)
    return found


def _judge(send: DnsSend, run: DnsRun) -> list[tuple[str, str, Severity | None]]:
    from aligncheck.resolver import Failure
    from aligncheck.spf.evaluate import NeedAnswers

    domain = send.mail_from.domain
    try:
        tree, outcomes = evaluate(send, run)
    except NeedAnswers as need:
        name, rdtype = sorted(need.questions)[0]
        failure = Failure(name, rdtype, None)
        problem = failure_problem(failure, send.mail_from.pos, f"the SPF checks of `{domain}`")
        return [(problem.code, problem.message, problem.severity)]
    assert tree is not None
    severity, carried = _policy_severity(send, run)
    return [
        (code, f"{message}; {carried}" if carried and code in POLICY_SEVERITY else message, level)
        for code, message, level in problems(tree, outcomes, run.settings.esp_spf, severity)
    ]


def problems(
    tree: Tree,
    outcomes: Sequence[tuple[str, Outcome]],
    esp: Sequence[str],
    severity: Severity,
) -> list[tuple[str, str, Severity | None]]:
    """(code, message, severity or None for the rule's own) for a MAIL FROM domain's tree
    and the outcomes of its hosts; AC700 and AC706 take `severity` (the policy's)."""
    domain = tree.root.domain
    found: list[tuple[str, str, Severity | None]] = []
    loop = any(issue.kind == "spf-loop" for issue in tree.issues)
    for issue in tree.issues:
        if issue.kind == "lookup-failed":
            found.append(("AC600", f"{issue.message}: the SPF checks of `{domain}` skipped", None))
            continue
        if loop and issue.kind in ("spf-too-many-lookups", "spf-void-lookups"):
            continue  # a loop is AC705 alone: the walk stopped there
        code = KINDS[issue.kind]
        message = issue.message
        if code == "AC700":  # say what it costs, as AC706 does
            message += "; SPF gives `none`, so the SPF leg of DMARC fails"
        found.append((code, message, severity if code in POLICY_SEVERITY else None))
    if tree.root.record is None:
        return found  # AC700-AC702 say why
    for host, outcome in outcomes:
        if outcome.result in ("fail", "softfail", "neutral"):
            term = f"`{outcome.term}`" if outcome.term else "no term matched"
            message = (
                f"host {host} gets SPF {outcome.result} for `{domain}` ({term} in "
                f"`{outcome.domain}`): the SPF leg of DMARC fails for it"
            )
            found.append(("AC706", message, severity))
        elif outcome.result == "temperror":
            found.append(("AC600", f"SPF check of {host} for `{domain}`: {outcome.reason}", None))
    if not outcomes and not any(
        name == e or name.endswith("." + e) for name in tree.reaches for e in esp
    ):
        message = (
            f"no include or redirect of `{domain}` reaches {', '.join(esp)}: the ESP's hosts "
            "are not authorized (set `sending-ips` or a profile's `ips` to check them)"
        )
        found.append(("AC706", message, severity))
    return found


def _policy_severity(send: DnsSend, run: DnsRun) -> tuple[Severity, str | None]:
    """Error when an effective policy that applies (in a model where the MAIL FROM aligns)
    is quarantine or reject and the DKIM leg does not carry DMARC there; warning otherwise
    (with what carries DMARC, when the DKIM leg does)."""
    from aligncheck.resolver import Failure
    from aligncheck.rules.outcome import carried_by

    assert send.author_domain is not None and send.mail_from.domain is not None
    found = alignments(run, send.author_domain, send.mail_from.domain)
    if isinstance(found, Failure):
        return Severity.ERROR, None  # not reached: the send was judged aligned already
    enforcing = [
        d.model
        for d, alignment in found
        if alignment.aligned and d.effective in ("quarantine", "reject")
    ]
    if not enforcing:
        return Severity.WARNING, None
    carried = carried_by(send, run, enforcing, "DKIM")
    return (Severity.WARNING, carried) if carried else (Severity.ERROR, None)
