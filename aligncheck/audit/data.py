"""The data of the audit report (spec §8), gathered from one check run: per author domain the
DMARC policy per model, the MAIL FROM domains with their SPF, the DKIM keys, each send's
outcome and the findings behind it; totals; and what to fix first.

The document built here is the JSON format as it is written; the Markdown and HTML reports
only lay it out, so the three always say the same.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from aligncheck import __version__
from aligncheck.findings import Finding, Report, Severity
from aligncheck.plan import RunPlan
from aligncheck.settings import Settings, models_in_force

if TYPE_CHECKING:
    from aligncheck.rules.context import DnsRun
    from aligncheck.send import DnsSend

OUTCOMES = ("pass (SPF, DKIM)", "pass (SPF)", "pass (DKIM)", "unknown", "fail")
NEEDS_WORK = ("fail", "unknown")

Document = dict[str, Any]


def overall(per_model: Sequence[str]) -> str:
    """One outcome for a send judged under several models: `fail` when a model fails it,
    else `unknown` when one cannot tell, else a pass through the legs that pass in every
    model (the first model's pass when they pass through different legs)."""
    if "fail" in per_model:
        return "fail"
    if "unknown" in per_model or not per_model:
        return "unknown"
    legs = [set(found[len("pass (") : -1].split(", ")) for found in per_model]
    common = set.intersection(*legs)
    if not common:
        return per_model[0]
    return f"pass ({', '.join(leg for leg in ('SPF', 'DKIM') if leg in common)})"


def effective(domain: Document) -> str:
    """The effective policy of a domain entry in words: one value when the models agree."""
    if not domain["policy"]:
        return str(domain["policy_unknown"] or "unknown")
    values = {
        p["model"]: "lookup failed" if p["failure"] else (p["effective"] or "no policy")
        for p in domain["policy"]
    }
    if len(set(values.values())) == 1:
        return next(iter(values.values()))
    return "; ".join(f"{model}: {value}" for model, value in values.items())


def per_model(values: dict[str, Any], escape: Callable[[Any], str]) -> str:
    """A value per model in words (`yes`, or `rfc7489: yes; rfc9989: no`), each escaped
    for the format; `unknown` when no model gave one."""
    if not values:
        return "unknown"
    if len(set(values.values())) == 1:
        return escape(next(iter(values.values())))
    return "; ".join(f"{escape(model)}: {escape(value)}" for model, value in values.items())


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def shortened(text: str | None, limit: int = 72) -> str | None:
    """A long record (a DKIM key's base64) cut for a table cell; the JSON keeps it whole."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"


@dataclass
class _Group:
    """What one group of files (one configuration) gave the inspect hook."""

    settings: Settings
    sends: Sequence[DnsSend]
    run: DnsRun | None
    report: Report


@dataclass
class _Collector:
    groups: list[_Group] = field(default_factory=list)

    def __call__(
        self, settings: Settings, sends: Sequence[DnsSend], run: DnsRun | None, report: Report
    ) -> None:
        self.groups.append(_Group(settings, sends, run, report))


def audit(plan: RunPlan, stdin: BinaryIO | None = None) -> tuple[Document, Report]:
    """Check the plan's files and build the audit document; the report decides the exit
    status as for `check`."""
    from aligncheck.engine import check_plan

    collector = _Collector()
    report = check_plan(plan, stdin, inspect=collector)
    return build(collector.groups, report, models_in_force(plan.settings.model)), report


def build(groups: Sequence[_Group], report: Report, models: Sequence[str]) -> Document:
    domains: dict[str | None, Document] = {}
    behind: dict[tuple[str, int], list[Finding]] = {}
    outcome_of: dict[tuple[str, int], str] = {}
    for group in groups:
        for entry, sends_behind, outcomes in _domains(group):
            known = domains.get(entry["domain"])
            if known is None:
                domains[entry["domain"]] = entry
            else:  # the same author domain under another configuration file
                known["sends"] += entry["sends"]
            behind.update(sends_behind)
            outcome_of.update(outcomes)
    for entry in domains.values():
        entry["sends"].sort(key=lambda s: (s["path"], s["line"], s["send"]))
        entry["totals"] = _totals(s["overall"] for s in entry["sends"])
    ordered = sorted(domains.values(), key=lambda d: (d["domain"] is None, d["domain"] or ""))
    return {
        "version": 1,
        "tool": {"name": "aligncheck", "version": __version__},
        "models": list(models),
        "dns": any(group.run is not None for group in groups),
        "files": report.files,
        "sends": report.sends,
        "totals": _totals(outcome_of.values()),
        "findings": {str(s): report.count(s) for s in reversed(Severity)},
        "fix_first": _fix_first(behind, outcome_of),
        "domains": ordered,
        "errors": list(report.errors),
        "notes": list(report.notes),
    }


def _totals(outcomes: Iterable[str]) -> dict[str, int]:
    counted = Counter(outcomes)
    return {name: counted.get(name, 0) for name in OUTCOMES}


def _domains(
    group: _Group,
) -> Iterator[tuple[Document, dict[tuple[str, int], list[Finding]], dict[tuple[str, int], str]]]:
    """Each author domain of the group's sends, with the findings behind each send and each
    send's overall outcome (keyed by path and send index)."""
    located, shared = _index(group.report.findings)
    judged = {(o.path, o.send): o.outcome for o in group.report.outcomes}  # per model
    by_author: dict[str | None, list[DnsSend]] = defaultdict(list)
    for send in group.sends:
        by_author[send.author_domain].append(send)
    for author, sends in by_author.items():
        behind: dict[tuple[str, int], list[Finding]] = {}
        outcomes: dict[tuple[str, int], str] = {}
        rows = []
        for send in sends:
            key = (send.path, send.index)
            found = list(located.get(key, ()))
            for subject in _shared(send):
                found += [f for f in shared.get((send.path, subject), ()) if f not in found]
            found.sort(key=Finding.sort_key)
            behind[key] = found
            row = _send_row(send, group, found, dict(judged.get(key, ())))
            outcomes[key] = row["overall"]
            rows.append(row)
        entry: Document = {"domain": author}
        entry.update(_domain_facts(author, sends, group))
        entry["sends"] = rows
        yield entry, behind, outcomes


def _index(
    findings: Sequence[Finding],
) -> tuple[dict[tuple[str, int], list[Finding]], dict[tuple[str, str], list[Finding]]]:
    """Findings by the send they are located at (every send of a `defaults:` value), and by
    what they are about (findings reported once for several sends)."""
    located: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    shared: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        for index in finding.sends or ((finding.send,) if finding.send is not None else ()):
            located[(finding.path, index)].append(finding)
        if finding.about is not None:
            shared[(finding.path, finding.about)].append(finding)
    return located, shared


def _shared(send: DnsSend) -> list[str]:
    from aligncheck.rules import DNS_GROUPS

    return [subject for group in DNS_GROUPS for subject in group.shared(send)]


def _finding(f: Finding) -> Document:
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": str(f.severity),
        "path": f.path,
        "line": f.line,
        "message": f.message,
    }


def _send_row(
    send: DnsSend, group: _Group, found: list[Finding], per_model: dict[str, str]
) -> Document:
    verdict = overall(list(per_model.values()))
    return {
        "path": send.path,
        "line": send.line,
        "send": send.index,
        "mail_from": {"kind": send.mail_from.kind, "domain": send.mail_from.domain},
        "outcome": per_model,
        "overall": verdict,
        "why_not": _why_not(send, group.run, per_model) if verdict in NEEDS_WORK else None,
        "findings": [_finding(f) for f in found],
    }


def _why_not(send: DnsSend, run: DnsRun | None, per_model: dict[str, str]) -> str:
    """Why a send does not pass: both legs in the first model where it does not."""
    model = next((m for m, found in per_model.items() if found in NEEDS_WORK), None)
    if run is None or model is None:
        return "no DNS was asked"
    from aligncheck.rules.outcome import dkim_leg, spf_leg

    prefix = f"{model}: " if len(per_model) > 1 else ""
    spf, dkim = spf_leg(send, run, model), dkim_leg(send, run, model)
    if spf.why == dkim.why:  # one reason holds both legs back (no author domain)
        return f"{prefix}{spf.why}"
    return f"{prefix}SPF leg: {spf.why}; DKIM leg: {dkim.why}"


def _domain_facts(author: str | None, sends: Sequence[DnsSend], group: _Group) -> Document:
    """The policy per model, the MAIL FROM domains and the DKIM keys of one author domain."""
    run = group.run
    mail_from = sorted(
        {(s.mail_from.domain, s.mail_from.kind) for s in sends if s.mail_from.domain is not None}
    )
    keys = sorted({key for s in sends for key in s.dkim_keys}, key=lambda k: (k[1], k[0]))
    if run is None or author is None:
        from aligncheck.rules.outcome import AUTHOR_UNKNOWN

        why = "no DNS was asked (offline)" if run is None else AUTHOR_UNKNOWN
        return {
            "policy": [],
            "policy_unknown": why,
            "models_disagree": [],
            "mail_from": [
                {"domain": d, "kind": k, "aligned": {}, "spf": None} for d, k in mail_from
            ],
            "dkim": [_key(run, author, selector, d) for selector, d in keys],
        }
    policy = [_policy(run, model, author) for model in run.models]
    example = {(s.mail_from.domain, s.mail_from.kind): s for s in reversed(sends)}
    return {
        "policy": policy,
        "policy_unknown": None,
        "models_disagree": _disagreement(policy),
        "mail_from": [_mail_from(run, author, example[(d, k)]) for d, k in mail_from],
        "dkim": [_key(run, author, selector, d) for selector, d in keys],
    }


POLICY_FIELDS = ("record", "p", "sp", "np", "aspf", "adkim", "t", "org_domain", "effective")


def _policy(run: DnsRun, model: str, author: str) -> Document:
    from aligncheck.dmarc import dmarc_name
    from aligncheck.dmarc.discovery import Discovery
    from aligncheck.rules.policy import discovery

    found = discovery(run, model, author)
    if not isinstance(found, Discovery):
        return {"model": model, "failure": str(found), **dict.fromkeys(POLICY_FIELDS)}
    record = next(
        (s.single for s in found.examined if s.domain == found.policy_domain and s.single),
        None,
    )
    policy = found.policy
    return {
        "model": model,
        "failure": None,
        "record_name": dmarc_name(found.policy_domain) if found.policy_domain else None,
        "record": record.text if record is not None else None,
        "p": policy.p if policy else None,
        "sp": policy.sp if policy else None,
        "np": policy.np if policy else None,
        "aspf": found.aspf,
        "adkim": found.adkim,
        "t": ("y" if policy.testing else "n") if policy else None,
        "org_domain": found.org_domain,
        "effective": found.effective,
    }


def _disagreement(policy: list[Document]) -> list[str]:
    """The policy fields the models read differently (none with one model)."""
    return [
        name
        for name in POLICY_FIELDS
        if len({entry.get(name) for entry in policy}) > 1 and name != "record"
    ]


def _mail_from(run: DnsRun, author: str, send: DnsSend) -> Document:
    from aligncheck.resolver import Failure
    from aligncheck.rules.outcome import spf_leg
    from aligncheck.rules.policy import alignments

    domain = send.mail_from.domain
    assert domain is not None
    found = alignments(run, author, domain)
    aligned = {} if isinstance(found, Failure) else {d.model: a.aligned for d, a in found}
    return {
        "domain": domain,
        "kind": send.mail_from.kind,
        "aligned": aligned,
        "spf": _spf(run, send) if any(aligned.values()) else None,
        "leg": {model: spf_leg(send, run, model).state for model in run.models},
    }


def _spf(run: DnsRun, send: DnsSend) -> Document | None:
    from aligncheck.rules.spf import evaluate
    from aligncheck.spf.evaluate import NeedAnswers

    try:
        tree, outcomes = evaluate(send, run)
    except NeedAnswers:
        return None
    if tree is None:
        return None
    return {
        "record": tree.root.text,
        "lookups": tree.lookups,
        "lookups_complete": tree.complete,  # False: `lookups` is a lower bound
        "void_lookups": tree.voids,
        "results": [{"ip": host, "result": o.result, "term": o.term} for host, o in outcomes],
    }


def _key(run: DnsRun | None, author: str | None, selector: str, domain: str) -> Document:
    from aligncheck.rules.dkim import key_name

    entry: Document = {
        "key": key_name(selector, domain),
        "selector": selector,
        "domain": domain,
        "state": "unknown",
        "record": None,
        "aligned": {},
    }
    if run is None:
        return entry
    from aligncheck.resolver import Failure
    from aligncheck.rules.dkim import key_state
    from aligncheck.rules.policy import alignments

    answer = run.lookup.answer(entry["key"], "TXT")
    entry["state"] = key_state(run, selector, domain)
    if answer is not None and answer.kind == "records":
        entry["record"] = " ".join(answer.records)
    elif answer is not None:
        entry["record"] = None
        entry["answer"] = answer.kind
    if author is not None:
        found = alignments(run, author, domain, tag="adkim")
        if not isinstance(found, Failure):
            entry["aligned"] = {d.model: a.aligned for d, a in found}
    return entry


def _fix_first(
    behind: dict[tuple[str, int], list[Finding]], outcome_of: dict[tuple[str, int], str]
) -> list[Document]:
    """Findings (one entry per rule and message, wherever reported) ordered by how many sends
    with the outcome `fail` or `unknown` they stand for."""
    stands_for: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    first: dict[tuple[str, str], Finding] = {}
    where: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    for key, findings in behind.items():
        if outcome_of.get(key) not in NEEDS_WORK:
            continue
        for f in findings:
            ident = (f.rule, f.message)
            stands_for[ident].add(key)
            where[ident].add((f.path, f.line))
            known = first.get(ident)
            if known is None or f.severity > known.severity:
                first[ident] = f
    ordered = sorted(
        stands_for, key=lambda i: (-len(stands_for[i]), -first[i].severity, i[0], i[1])
    )
    return [
        {
            "rule": first[ident].rule,
            "name": first[ident].name,
            "severity": str(first[ident].severity),
            "message": first[ident].message,
            "sends": len(stands_for[ident]),
            "fail": sum(1 for key in stands_for[ident] if outcome_of[key] == "fail"),
            "where": [f"{path}:{line}" for path, line in sorted(where[ident])],
        }
        for ident in ordered
    ]
