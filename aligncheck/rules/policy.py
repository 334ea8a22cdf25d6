"""The DMARC rules: alignment of the MAIL FROM (AC301, AC304) and the author's DMARC policy
(AC5xx), plus AC600/AC601 for failed lookups. They read answers gathered beforehand; none
waits on the network."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aligncheck.dmarc import dmarc_name
from aligncheck.findings import Pos, Problem, Severity
from aligncheck.rules.base import Rule
from aligncheck.rules.dns_failures import failure_problem

if TYPE_CHECKING:  # the checks import them when they run: offline runs never load them
    from aligncheck.dmarc.alignment import Alignment, OrgDomainOf
    from aligncheck.dmarc.discovery import Discovery, NameState
    from aligncheck.resolver import Failure, Lookup, Question
    from aligncheck.rules.context import DnsRun, Domains
    from aligncheck.send import DnsSend
    from aligncheck.settings import Settings


_SEND = "from: info@example.com\nenvelope: bounces@example.com\n"
_FOREIGN = "from: info@example.com\nenvelope: bounces@esp.example.net\n"
_REJECT = (("_dmarc.example.com", "TXT", "v=DMARC1; p=reject"),)

RULES = [
    Rule(
        "AC301",
        "envelope-misaligned",
        Severity.ERROR,
        "The envelope domain is not aligned with the author domain under the DMARC policy.",
        "SPF passes DMARC only when the MAIL FROM domain aligns with the From domain: the same "
        "domain under `aspf=s` (strict), the same organizational domain under `aspf=r` "
        "(relaxed, the default). The severity follows the effective policy: error under "
        "quarantine or reject, warning under none or when no policy applies. The message names "
        "the mode, both organizational domains and the model. With "
        "`require-strict-alignment = true` in the configuration, the envelope must equal the "
        "author domain even where the policy says relaxed.",
        failing=_FOREIGN,
        passing=_SEND,
        needs_dns=True,
        dns=_REJECT,
        options=("require-strict-alignment",),
    ),
    Rule(
        "AC304",
        "bounce-domain-strict",
        Severity.WARNING,
        "No `envelope` while the author's policy says `aspf=s`.",
        "Without an envelope SMTPeter sends with its own bounce address under the sender "
        "domain's bounce host, a subdomain: it aligns in relaxed mode but never in strict mode.",
        failing="from: info@example.com\n",
        passing="from: info@example.com\nenvelope: bounces@example.com\n",
        needs_dns=True,
        dns=(("_dmarc.example.com", "TXT", "v=DMARC1; p=reject; aspf=s"),),
    ),
    Rule(
        "AC500",
        "dmarc-missing",
        Severity.WARNING,
        "No DMARC policy applies to the author domain.",
        "Without a DMARC record at the author domain or its organizational domain, receivers "
        "apply no DMARC policy: anyone can send as this domain. Reported once per file and "
        "author domain.",
        failing="from: info@example.org\nenvelope: bounces@example.org\n",
        passing=_SEND,
        needs_dns=True,
        dns=_REJECT,
    ),
    Rule(
        "AC501",
        "dmarc-invalid",
        Severity.ERROR,
        "A DMARC record receivers parse with errors; the message says how they read it.",
        "Anything outside the RFC 9989 grammar: a term without `=`, an empty term, a duplicate "
        "tag, an invalid value of a known tag. Receivers use defaults for invalid tags; an "
        "invalid or missing `p` (or `sp`/`np`) makes the record read as `p=none` when `rua` "
        "holds a valid URI, and as no policy otherwise.",
        failing=_SEND,
        passing=_SEND,
        needs_dns=True,
        dns=(("_dmarc.example.com", "TXT", "v=DMARC1; p=rejekt; aspf=r"),),
        passing_dns=_REJECT,
    ),
    Rule(
        "AC502",
        "dmarc-multiple",
        Severity.ERROR,
        "Several DMARC records at one name.",
        "RFC 7489 receivers then apply no DMARC at all; RFC 9989 receivers discard the set and "
        "keep walking up the tree.",
        failing=_SEND,
        passing=_SEND,
        needs_dns=True,
        dns=(
            ("_dmarc.example.com", "TXT", "v=DMARC1; p=reject"),
            ("_dmarc.example.com", "TXT", "v=DMARC1; p=none"),
        ),
        passing_dns=_REJECT,
    ),
    Rule(
        "AC503",
        "dmarc-near-miss",
        Severity.ERROR,
        "A TXT record at `_dmarc` that looks like DMARC but is ignored.",
        "`v=dmarc1`, `v=DMARC10`, `v=spf1 …` or white space before `v=DMARC1`; or a record "
        "that holds `DMARC1` but does not begin with it: wrapped in literal quotes, pasted "
        'resolver output (`_dmarc.example.com text = "v=DMARC1; …"`), `=DMARC1; p=reject`. '
        "Receivers match `v=DMARC1` at the start exactly and ignore the record.",
        failing=_SEND,
        passing=_SEND,
        needs_dns=True,
        dns=(("_dmarc.example.com", "TXT", "v=dmarc1; p=reject"),),
        passing_dns=_REJECT,
    ),
    Rule(
        "AC504",
        "dmarc-monitor-only",
        Severity.INFO,
        "The effective policy is `none` (after `t=y`).",
        "Receivers only report; misaligned mail is still delivered.",
        failing=_SEND,
        passing=_SEND,
        needs_dns=True,
        dns=(("_dmarc.example.com", "TXT", "v=DMARC1; p=none"),),
        passing_dns=_REJECT,
    ),
    Rule(
        "AC505",
        "dmarc-historic-tags",
        Severity.INFO,
        "`pct`, `rf` or `ri` present, or `pct` below 100.",
        "RFC 9989 made these tags historic: its receivers ignore them, so `pct=10` no longer "
        "softens the policy for them. Reported even when the value is invalid (then AC501 "
        "says so too).",
        failing=_SEND,
        passing=_SEND,
        needs_dns=True,
        dns=(("_dmarc.example.com", "TXT", "v=DMARC1; p=reject; pct=10"),),
        passing_dns=_REJECT,
    ),
    Rule(
        "AC507",
        "dmarc-unknown-tag",
        Severity.WARNING,
        "An unknown tag that looks like a misspelt known tag: receivers ignore it.",
        "A tag one edit or one swap of neighbours away from a known tag of three or more "
        "letters (`apsf`, `asfp`, `rus`, `adkm`, `pcts`) is unknown to receivers, who ignore "
        "it: the setting the owner meant silently does not apply (here `aspf` stays relaxed).",
        failing=_SEND,
        passing=_SEND,
        needs_dns=True,
        dns=(("_dmarc.example.com", "TXT", "v=DMARC1; p=reject; apsf=s"),),
        passing_dns=(("_dmarc.example.com", "TXT", "v=DMARC1; p=reject; aspf=s"),),
    ),
    Rule(
        "AC506",
        "dmarc-models-disagree",
        Severity.WARNING,
        "RFC 7489 and RFC 9989 receivers apply different policies, or judge a send differently.",
        "In 2026 both kinds of receiver are in the field: RFC 7489 ones find the "
        "organizational domain in the Public Suffix List, RFC 9989 ones walk the DNS tree. "
        "Where that changes what a receiver does (the effective policy, or whether a send is "
        "aligned), some receivers will treat your mail differently from others. Different "
        "organizational domains with the same policy and verdicts are shown by `explain`, "
        "not reported. "
        "Reported once per file and author domain (with `--model both`, the default), with "
        "both answers. Publishing a record at the author domain and using strict alignment "
        "avoids the disagreement (RFC 9989 Appendix C.3).",
        failing="from: news@mail.example.com\nenvelope: bounces@example.com\n",
        passing="from: news@mail.example.com\nenvelope: bounces@mail.example.com\n",
        needs_dns=True,
        dns=(("_dmarc.mail.example.com", "TXT", "v=DMARC1; p=reject"),),
        passing_dns=(
            ("_dmarc.mail.example.com", "TXT", "v=DMARC1; p=reject"),
            ("_dmarc.example.com", "TXT", "v=DMARC1; p=reject"),
        ),
    ),
]
_BLOCKING = ("quarantine", "reject")


# per model in force: the author's discovery and how a domain aligns with it
_Alignments = list[tuple["Discovery", "Alignment"]]


@dataclass
class DnsContext:
    """Answers for the run, and what has been reported per file and author domain."""

    lookup: Lookup
    models: tuple[str, ...]
    psl_private: bool = True
    require_strict: bool = False
    _discoveries: dict[tuple[str, str], Discovery | Failure] = field(default_factory=dict)
    _reported: set[tuple[str, str, str]] = field(default_factory=set)
    _org_of: OrgDomainOf | None = None
    _aligned: dict[tuple[str, str, str, str], Alignment | Failure] = field(default_factory=dict)
    _policy: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    _judged: dict[tuple[object, ...], list[_Judged]] = field(default_factory=dict)
    _alignments: dict[tuple[str, str, str], _Alignments | Failure] = field(default_factory=dict)

    def discovery(self, model: str, domain: str) -> Discovery | Failure:
        """Discovery for an author domain under a model, once per run."""
        key = (model, domain)
        found = self._discoveries.get(key)
        if found is None:
            from aligncheck.dmarc.discovery import discover

            found = discover(model, self.lookup, domain, self.psl_private)
            self._discoveries[key] = found
        return found

    def align(self, discovery: Discovery, domain: str, tag: str = "aspf") -> Alignment | Failure:
        """AC301's judgement of a MAIL FROM domain, or of `d=` under `adkim`, once per run
        for each discovery (one per model and author here), domain and tag (walks of other
        identifiers remembered too). `require-strict-alignment` is about the envelope."""
        key = (discovery.model, discovery.domain, domain, tag)
        found = self._aligned.get(key)
        if found is None:
            from aligncheck.dmarc.alignment import align, org_domain_finder

            if self._org_of is None:
                self._org_of = org_domain_finder(self.lookup, self.psl_private)
            strict = self.require_strict and tag == "aspf"
            found = align(discovery, domain, self._org_of, tag=tag, require_strict=strict)
            self._aligned[key] = found
        return found

    def alignments(self, author: str, domain: str, tag: str) -> _Alignments | Failure:
        """Per model in force, the author's discovery and whether `domain` aligns with it
        under `tag`, or the first Failure on the way; once per run for each author, domain
        and tag (judging asks it for every send)."""
        key = (author, domain, tag)
        found = self._alignments.get(key)
        if found is None:
            found = self._alignments[key] = self._make_alignments(author, domain, tag)
        return found

    def _make_alignments(self, author: str, domain: str, tag: str) -> _Alignments | Failure:
        from aligncheck.dmarc.alignment import Alignment
        from aligncheck.dmarc.discovery import Discovery

        made = []
        for model in self.models:
            discovery = self.discovery(model, author)
            if not isinstance(discovery, Discovery):
                return discovery
            alignment = self.align(discovery, domain, tag)
            if not isinstance(alignment, Alignment):
                return alignment
            made.append((discovery, alignment))
        return made

    def policy_problems(self, author: str, found: list[Discovery]) -> list[tuple[str, str]]:
        """(code, message) of the author's records (AC500-AC507), once per run: every file
        with a send from the author reports them."""
        known = self._policy.get(author)
        if known is None:
            known = self._policy[author] = list(_policy_problems(author, found))
        return known

    def judged(self, send: DnsSend, run: DnsRun) -> list[_Judged]:
        """The policy rules' findings for the send, made once per run for sends alike."""
        key = _judged_alike(send)
        found = self._judged.get(key)
        if found is None:
            found = self._judged[key] = _judge(send, run, self)
        return found

    def settled(self, lookup: Lookup) -> DnsContext:
        """What the next round (reading `lookup`) keeps: the discoveries and alignments made
        (each reads every answer through `needed`, so a missing one is a Failure, made again;
        what was made from answers present stays true, as no name is asked twice)."""
        from aligncheck.dmarc.alignment import Alignment
        from aligncheck.dmarc.discovery import Discovery

        kept: dict[tuple[str, str], Discovery | Failure] = {
            key: found for key, found in self._discoveries.items() if isinstance(found, Discovery)
        }
        aligned: dict[tuple[str, str, str, str], Alignment | Failure] = {
            key: found for key, found in self._aligned.items() if isinstance(found, Alignment)
        }
        alignments: dict[tuple[str, str, str], _Alignments | Failure] = {
            key: found for key, found in self._alignments.items() if isinstance(found, list)
        }
        return DnsContext(
            lookup,
            self.models,
            self.psl_private,
            self.require_strict,
            kept,
            _aligned=aligned,
            _alignments=alignments,
        )

    def first_time(self, path: str, domain: str) -> bool:
        key = ("AC5xx", path, domain)
        if not self.not_yet(key):
            return False
        self.mark(key)
        return True

    def not_yet(self, key: tuple[str, str, str]) -> bool:
        return key not in self._reported

    def mark(self, key: tuple[str, str, str]) -> None:
        self._reported.add(key)


def questions(domains: Domains, models: Sequence[str], settings: Settings) -> Iterator[Question]:
    """Every `_dmarc` name the models' discovery needs, asked in the first round."""
    from aligncheck.dmarc.discovery import questions as dmarc_questions

    for model in models:
        others = set(domains.mail_from | domains.signing)  # walked for relaxed alignment
        yield from dmarc_questions(model, set(domains.authors), others, settings.psl_private)


def followups(run: DnsRun, domains: Domains) -> Iterator[Question]:
    """What the authors' discoveries still need that no round has asked: whether an author
    name exists, once RFC 9989's walk has found the record whose `sp` or `np` applies (an
    author with no policy above it is never asked about)."""
    from aligncheck.resolver.answers import Failure

    context = _context(run)
    for model in run.models:
        for author in domains.authors:
            found = context.discovery(model, author)
            if isinstance(found, Failure) and found.missing:
                yield found.name, found.rdtype


def _context(run: DnsRun) -> DnsContext:
    """This group's state for the run: discoveries, envelope walks, what was reported."""
    made = run.state.get(__name__)
    if isinstance(made, DnsContext):
        return made  # asked for every send: the quick way first
    settings = run.settings

    def make() -> DnsContext:
        return DnsContext(
            run.lookup, run.models, settings.psl_private, settings.require_strict_alignment
        )

    return run.kept(__name__, make, DnsContext)


def discovery(run: DnsRun, model: str, author: str) -> Discovery | Failure:
    """The author domain's policy discovery under `model`, once per run."""
    return _context(run).discovery(model, author)


def alignments(run: DnsRun, author: str, domain: str, tag: str = "aspf") -> _Alignments | Failure:
    """Per model in force, the author's discovery and whether `domain` aligns with it under
    `tag`: a MAIL FROM under `aspf` (AC301's judgement), `d=` under `adkim`; or the first
    Failure on the way. Made once per run."""
    return _context(run).alignments(author, domain, tag)


def _subject(author: str) -> str:
    return f"dmarc:{author}"


def shared(send: DnsSend) -> tuple[str, ...]:
    """What the policy findings reported once per file and author domain are about."""
    return () if send.author_domain is None else (_subject(send.author_domain),)


# How a judgement of sends alike is reported for one send: always, the first time the
# author appears in the file (its AC5xx), or once per file and author (AC506).
_ALWAYS, _FIRST_TIME, _ONCE_PER_FILE = "always", "first-time", "once-per-file"
# (when, at the author or at the MAIL FROM, code, message, severity, about)
_Judged = tuple[str, str, str, str, Severity | None, str | None]


def check(send: DnsSend, run: DnsRun) -> Iterator[Problem]:
    author = send.author_domain
    if author is None:
        return
    ctx = _context(run)
    first_time: bool | None = None
    for when, at, code, message, severity, about in ctx.judged(send, run):
        if when == _FIRST_TIME:
            if first_time is None:
                first_time = ctx.first_time(send.path, author)
            if not first_time:
                continue
        elif when == _ONCE_PER_FILE:
            key = (code, send.path, author)
            if not ctx.not_yet(key):
                continue
            ctx.mark(key)
        pos = send.author_pos if at == "author" else send.mail_from.pos
        yield Problem(code, pos, message, severity, about=about)


def _judge(send: DnsSend, run: DnsRun, ctx: DnsContext) -> list[_Judged]:
    """What the policy rules find for a send with an author domain, without its positions;
    the same for every send alike in what it reads (`DnsContext.judged`)."""
    from aligncheck.dmarc.alignment import Alignment
    from aligncheck.dmarc.discovery import Discovery

    author = send.author_domain
    assert author is not None
    nowhere = Pos(0, 0)
    discoveries = [ctx.discovery(model, author) for model in ctx.models]
    found = [d for d in discoveries if isinstance(d, Discovery)]
    if len(found) < len(discoveries):
        failure = next(d for d in discoveries if not isinstance(d, Discovery))
        problem = failure_problem(failure, nowhere, f"the DMARC checks of `{author}`")
        return [(_ALWAYS, "author", problem.code, problem.message, problem.severity, None)]
    subject = _subject(author)
    judged: list[_Judged] = [
        (_FIRST_TIME, "author", code, message, None, subject)
        for code, message in ctx.policy_problems(author, found)
    ]
    verdicts: list[Verdict] | None = None
    mail_from = send.mail_from
    if mail_from.domain is not None:  # the envelope, or a profile's bounce host
        aligned = [(d, ctx.align(d, mail_from.domain)) for d in found]
        failed = next((a for _, a in aligned if not isinstance(a, Alignment)), None)
        if failed is not None:
            skipped = f"the alignment check of `{mail_from.domain}`"
            problem = failure_problem(failed, nowhere, skipped)
            judged.append(
                (_ALWAYS, "mail-from", problem.code, problem.message, problem.severity, None)
            )
        else:
            verdicts = [Verdict(d, a) for d, a in aligned if isinstance(a, Alignment)]
            what = "envelope domain" if mail_from.kind == "envelope" else "bounce host"
            misaligned = next(_misaligned(nowhere, mail_from.domain, author, verdicts, what), None)
            if misaligned is not None:
                problem = _carried(misaligned, send, run, verdicts)
                judged.append(
                    (_ALWAYS, "mail-from", problem.code, problem.message, problem.severity, None)
                )
    elif send.envelope is None:
        for problem in _bounce_host(send, author, found, ctx.require_strict):
            judged.append((_ALWAYS, "author", problem.code, problem.message, None, None))
    if len(found) == 2:
        disagreement = _disagreement(found, verdicts)
        if disagreement:
            message = f"RFC 7489 and RFC 9989 receivers disagree about `{author}`: {disagreement}"
            judged.append((_ONCE_PER_FILE, "author", "AC506", message, None, subject))
    return judged


def _judged_alike(send: DnsSend) -> tuple[object, ...]:
    """What the policy rules read of a send: sends alike in it are judged once per run."""
    from aligncheck.rules.outcome import depends_on

    mail_from = send.mail_from
    return (
        send.author_domain,
        mail_from.kind,
        mail_from.domain,
        send.envelope is None,
        send.trackbounces,
        depends_on("dkim", send),  # whether the DKIM leg carries DMARC (AC301's severity)
    )


def _models(found: list[Discovery]) -> str:
    return ", ".join(d.model for d in found)


def _policy_problems(author: str, found: list[Discovery]) -> Iterator[tuple[str, str]]:
    """(code, message) of what the author's DMARC records hold: the same for every file."""
    from aligncheck.dmarc.record import near_miss_reason

    states: dict[str, NameState] = {}
    for discovery in found:
        for state in discovery.examined:
            states.setdefault(state.domain, state)
    for state in states.values():
        name = dmarc_name(state.domain)
        for text in state.near_misses:
            yield (
                "AC503",
                f"{name} holds `{_quote(text)}`: it looks like DMARC but receivers ignore it: "
                f"{near_miss_reason(text)}",
            )
        if len(state.records) > 1:
            yield (
                "AC502",
                f"{name} has {len(state.records)} DMARC records: "
                "RFC 7489 receivers apply no DMARC, RFC 9989 receivers discard them "
                "and keep walking",
            )
        for record in state.records:
            if record.problems:
                readings = "; ".join(
                    f"{d.model} receivers read it as {record.reading(d.model)}" for d in found
                )
                yield (
                    "AC501",
                    f"{name} `{_quote(record.text)}`: {'; '.join(record.problems)}. {readings}",
                )
            historic = record.historic
            if historic:
                low_pct = record.tags.get("pct", "100") != "100"
                softens = (
                    f"; pct={record.tags['pct']} no longer softens the policy" if low_pct else ""
                )
                yield (
                    "AC505",
                    f"{name} uses the historic {_tags(historic)}: RFC 9989 receivers "
                    f"ignore {'it' if len(historic) == 1 else 'them'}{softens}",
                )
            for written, meant in record.misspellings():
                yield (
                    "AC507",
                    f"{name} has the unknown tag `{written}`, which receivers ignore: "
                    f"did you mean `{meant}`?",
                )
    without = [d for d in found if d.effective is None]
    if without:
        yield (
            "AC500",
            f"no DMARC policy applies to `{author}` under "
            f"{_models(without)}: receivers apply no DMARC",
        )
    monitor = [d for d in found if d.effective == "none"]
    if monitor:
        yield (
            "AC504",
            f"the effective DMARC policy of `{author}` is none under "
            f"{_models(monitor)}: misaligned mail is still delivered",
        )


def _tags(names: tuple[str, ...]) -> str:
    quoted = [f"`{name}`" for name in names]
    if len(quoted) == 1:
        return f"tag {quoted[0]}"
    return f"tags {', '.join(quoted[:-1])} and {quoted[-1]}"


def _quote(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bounce_host(
    send: DnsSend, author: str, found: list[Discovery], require_strict: bool
) -> Iterator[Problem]:
    """No envelope: SMTPeter's own bounce address under a subdomain (unless MAIL FROM:<>)."""
    if send.trackbounces is False:
        return
    strict = [d for d in found if d.aspf == "s" or require_strict]
    if strict:
        yield Problem(
            "AC304",
            send.author_pos,
            f"no `envelope`: SMTPeter's bounce address "
            f"lies under a subdomain of `{author}`, which aspf=s (strict, "
            f"{_models(strict)}) never aligns; set an envelope at `{author}` itself",
        )


@dataclass(frozen=True)
class Verdict:
    discovery: Discovery
    alignment: Alignment

    @property
    def why_not(self) -> str | None:
        return self.alignment.why_not


def per_model(reasons: Iterable[tuple[str, str]]) -> str:
    """(reason, model) pairs as a message says them: the models that share a reason named
    together (`rfc7489 and rfc9989: ...`), in the order first met."""
    grouped: dict[str, list[str]] = {}
    for reason, model in reasons:
        grouped.setdefault(reason, []).append(model)
    return "; ".join(f"{' and '.join(models)}: {reason}" for reason, models in grouped.items())


def _why_misaligned(verdict: Verdict) -> str:
    d = verdict.discovery
    return (
        f"{verdict.why_not}, "
        + (f"policy {d.effective}" if d.effective else "no policy applies")
        + (f" ({dmarc_name(d.policy_domain)})" if d.policy_domain else "")
    )


def _misaligned(
    pos: Pos, domain: str, author: str, verdicts: list[Verdict], what: str = "envelope domain"
) -> Iterator[Problem]:
    misaligned = [v for v in verdicts if v.why_not is not None]
    if not misaligned:
        return
    severity = max(
        Severity.ERROR if v.discovery.effective in _BLOCKING else Severity.WARNING
        for v in misaligned
    )
    reasons = per_model((_why_misaligned(v), v.discovery.model) for v in misaligned)
    yield Problem(
        "AC301",
        pos,
        f"{what} `{domain}` is not aligned with author domain `{author}`: {reasons}",
        severity,
    )


def _carried(problem: Problem, send: DnsSend, run: DnsRun, verdicts: list[Verdict]) -> Problem:
    """AC301 is an error only where the DKIM leg does not carry DMARC (spec §7)."""
    from aligncheck.rules.outcome import carried_by

    if problem.severity != Severity.ERROR:
        return problem
    models = [
        v.discovery.model
        for v in verdicts
        if v.why_not is not None and v.discovery.effective in _BLOCKING
    ]
    carried = carried_by(send, run, models, "DKIM")
    if carried is None:
        return problem
    return Problem(problem.code, problem.pos, f"{problem.message}; {carried}", Severity.WARNING)


def _disagreement(found: list[Discovery], verdicts: list[Verdict] | None) -> str:
    """What the models disagree on that changes a receiver's action (the effective policy, a
    send's verdict), with the organizational domains as the reason; empty when nothing."""
    old, new = found
    parts = []
    if old.effective != new.effective:
        parts.append(
            f"policy {old.effective or 'none applies'} (rfc7489) vs "
            f"{new.effective or 'none applies'} (rfc9989)"
        )
    if verdicts is not None:
        aligned = {v.discovery.model: v.why_not is None for v in verdicts}
        if len(set(aligned.values())) > 1:
            yes = next(model for model, ok in aligned.items() if ok)
            no = next(model for model, ok in aligned.items() if not ok)
            parts.append(f"the envelope aligns under {yes} but not under {no}")
    if parts and old.org_domain != new.org_domain:
        parts.insert(
            0,
            f"organizational domain `{old.org_domain}` (rfc7489, Public Suffix List) "
            f"vs `{new.org_domain}` (rfc9989, DNS tree walk)",
        )
    return "; ".join(parts)
