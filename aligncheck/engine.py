"""The pipeline: load → sends → (questions → DNS answers) → rules → findings → report."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from aligncheck import parallel, suppressions
from aligncheck.findings import Finding, Pos, Problem, Report, SendOutcome
from aligncheck.plan import RunPlan
from aligncheck.rules import (
    DNS_CODES,
    DNS_GROUPS,
    RULES,
    SEND_GROUPS,
    code_spans,
    codes_of,
    dns_groups,
    group_names,
)
from aligncheck.rules import input as input_rules
from aligncheck.selection import Decider
from aligncheck.send import DnsSend, build_send, for_dns
from aligncheck.settings import ORG_MODELS, Settings, models_in_force
from aligncheck.sources import (
    FileFilter,
    SourceError,
    Target,
    expand_paths,
    load,
    read_target,
    sniff_json,
)

if TYPE_CHECKING:  # imported when DNS is asked: offline runs never load them
    from aligncheck.resolver import AnswerTable, Question
    from aligncheck.rules.context import DnsRun, Domains
    from aligncheck.rules.groups import DnsGroup


class RuleOwnershipError(AssertionError):
    """A check reported a code its group does not declare: a bug, never the user's input."""


INPUT_CODES = codes_of(input_rules)
SEND_CHECKS = [(group, codes_of(group)) for group in SEND_GROUPS]  # each with its codes
DNS_CHECKS = {id(group): codes_of(group) for group in DNS_GROUPS}


@dataclass
class _Run:
    """Findings as the Decider lets them through. A problem found again at the same place
    with the same message (a `defaults:` value shared by several sends) is one finding that
    stands for every one of those sends."""

    decider: Decider
    findings: list[Finding] = field(default_factory=list)
    _at: dict[tuple[str, int, int, str, str], int] = field(default_factory=dict)

    def add(
        self,
        path: str,
        problems: Iterable[Problem],
        owner: frozenset[str],
        send: int | None = None,
        send_line: int | None = None,
    ) -> None:
        """Record `problems`, which a group that declares the codes `owner` reported."""
        for problem in problems:
            if problem.code not in owner:
                raise RuleOwnershipError(
                    f"{problem.code} was reported by a group that does not declare it"
                )
            rule = RULES[problem.code]
            severity = self.decider.decide(path, rule.code, problem.severity or rule.severity)
            if severity is None:
                continue
            key = (path, problem.pos.line, problem.pos.column, problem.code, problem.message)
            sends = () if send is None else (send,)
            lines = () if send_line is None else (send_line,)
            if key in self._at:
                index = self._at[key]
                earlier = self.findings[index]
                if send is not None and send not in earlier.sends:
                    self.findings[index] = replace(
                        earlier,
                        severity=max(earlier.severity, severity),
                        sends=earlier.sends + sends,
                        send_lines=earlier.send_lines + lines,
                    )
                continue
            self._at[key] = len(self.findings)
            self.findings.append(
                Finding(
                    path=path,
                    line=problem.pos.line,
                    column=problem.pos.column,
                    rule=rule.code,
                    name=rule.name,
                    severity=severity,
                    message=problem.message,
                    send=send,
                    sends=sends,
                    send_lines=lines,
                    about=problem.about,
                    fix=problem.fix,
                )
            )


@dataclass
class FileResult:
    """One file checked on its own: offline findings, its suppressions, and what the DNS
    rules will need of its sends (its nodes are dropped once this is made)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    suppressions: list[suppressions.Suppression] = field(default_factory=list)
    sends: list[DnsSend] = field(default_factory=list)
    error: str | None = None


def file_filter(settings: Settings) -> FileFilter:
    return FileFilter(
        include=settings.include,
        exclude=settings.exclude,
        base=settings.config_dir,
        respect_gitignore=settings.respect_gitignore,
        force_exclude=settings.force_exclude,
    )


def paths_to_targets(paths: Sequence[str], settings: Settings) -> tuple[list[Target], list[str]]:
    targets: list[Target] = []
    errors: list[str] = []
    files = file_filter(settings)
    for path in paths:
        try:
            targets.extend(expand_paths([path], files))
        except SourceError as exc:
            errors.append(str(exc))
    return targets, errors


def check_file(
    target: Target,
    settings: Settings,
    stdin: BinaryIO | None = None,
    data: bytes | None = None,
    *,
    as_json: bool | None = None,
) -> FileResult | None:
    """Read, parse and judge one file without DNS; None for a discovered file holding no send.

    `data`, when given, is the file's content (the Python API's rendered send; a file fixed
    in memory). `as_json` overrides what the file name says.
    """
    if data is None:
        try:
            data = read_target(target, settings.limits, stdin)
        except SourceError as exc:
            return FileResult(target.path, error=str(exc))
    display = target.path
    if target.path == "-":
        display = settings.stdin_filename or "-"
        as_json = sniff_json(data) if settings.stdin_filename is None else None
    source = load(
        display,
        data,
        settings.limits,
        explicit=target.explicit,
        as_json=as_json,
        listed=settings.skip_non_send_files,
    )
    if not (source.holds_send or source.reported_empty):
        return None
    run = _Run(Decider(settings))
    run.add(source.path, input_rules.file_problems(source.problems), INPUT_CODES)
    result = FileResult(source.path)
    if source.comment_lines:
        result.suppressions = suppressions.from_comments(
            source.comment_lines, source.first_content_line, source.value_spans
        )
    for marks in source.marks:
        run.add(source.path, input_rules.file_marks(marks), INPUT_CODES)
        result.suppressions.extend(suppressions.from_file_marks(marks))
    for raw in source.sends:
        send = build_send(source.path, raw)
        for group, owner in SEND_CHECKS:
            run.add(send.path, group.check(send, settings), owner, send.index, send.line)
        result.suppressions.extend(suppressions.from_send(send))
        result.sends.append(for_dns(send, settings))
    result.findings = _located(run.findings, data, display, as_json)
    return result


def _located(
    findings: list[Finding], data: bytes, path: str, as_json: bool | None
) -> list[Finding]:
    """Findings with a fix get it located in the file's text (`Finding.edit`), when the
    characters there plainly read the value the fix replaces."""
    if not any(f.fix is not None for f in findings):
        return findings
    from aligncheck.fixes import locate
    from aligncheck.parsing import decode

    lines = decode(data).split("\n")
    json_file = path.lower().endswith(".json") if as_json is None else as_json
    return [
        f
        if f.fix is None
        else replace(f, edit=locate(lines, Pos(f.line, f.column), f.fix, json_file))
        for f in findings
    ]


PARALLEL_FILES = 200  # below this, starting worker processes costs more than it saves
# the same for judging sends against DNS answers: sends alike are judged once, so a share
# costs little beside starting its process and sending its findings back (the bulk SPF run,
# 10,000 sends: 0.31-0.32 s in one process, 0.35-0.40 s in two; 30,000: 1.4-1.6 s, 1.2 s)
PARALLEL_SENDS = 15_000


def check_files(
    targets: Sequence[Target], settings: Settings, stdin: BinaryIO | None = None
) -> list[FileResult]:
    """check_file over every target; a large run uses a worker process per core."""
    files = [t for t in targets if t.path != "-"]
    processes = parallel.workers(len(files), PARALLEL_FILES)

    def check_chunk(chunk: Sequence[Target]) -> list[FileResult | None]:
        return [check_file(target, settings) for target in chunk]

    chunks = parallel.split(files, processes * 4)
    shared = parallel.share_out(check_chunk, chunks, processes, meanwhile=_dns_ready(settings))
    results = [r for found in shared for r in found]
    results.extend(check_file(target, settings, stdin) for target in targets if target.path == "-")
    return [result for result in results if result is not None]


def _dns_ready(settings: Settings) -> Callable[[], None] | None:
    """What judging the sends against DNS will load (the DMARC and SPF code, the Public
    Suffix List, the DNS client for a live run), loaded while other processes read the
    files: this process would otherwise load it afterwards, while they wait. Nothing for an
    offline run."""
    if settings.offline:
        return None

    def load() -> None:
        # only an early start: what fails here fails again where it is needed, and is
        # reported there
        with contextlib.suppress(Exception):
            import aligncheck.dmarc.discovery
            import aligncheck.rules.outcome
            import aligncheck.spf.evaluate
            import aligncheck.spf.lint
            from aligncheck.dmarc import psl

            psl.org_domain("example.com", settings.psl_private)  # the list's rules, read once
            if settings.snapshot is None:
                import aligncheck.resolver.client  # noqa: F401  (dnspython)

    return load


def target_sends(targets: Sequence[Target], settings: Settings) -> tuple[list[DnsSend], list[str]]:
    """The sends of the targets (for snapshots), each file taken as it was found (named, or
    found in a directory: other YAML and JSON is left out as `check` leaves it), and the
    errors of reading them."""
    sends: list[DnsSend] = []
    errors: list[str] = []
    for result in check_files(targets, settings):
        if result.error is not None:
            errors.append(result.error)
        sends.extend(result.sends)
    return sends, errors


def check_paths(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    settings: Settings | None = None,
    *,
    stdin: BinaryIO | None = None,
) -> Report:
    """Check files and directories (one path, or several); `-` reads stdin (named by
    settings.stdin_filename)."""
    if isinstance(paths, str | os.PathLike):
        names = [os.fspath(paths)]
    else:
        names = [os.fspath(path) for path in paths]
    settings = settings or Settings()
    targets, errors = paths_to_targets(names, settings)
    report = _judge(check_files(targets, settings, stdin), settings)
    return replace(report, errors=(*errors, *report.errors))


class Inspect(Protocol):
    """Called once per group of files with what its DNS rules judged (the audit reads it)."""

    def __call__(
        self, settings: Settings, sends: Sequence[DnsSend], run: DnsRun | None, report: Report
    ) -> None: ...


def check_plan(
    plan: RunPlan, stdin: BinaryIO | None = None, *, inspect: Inspect | None = None
) -> Report:
    """Check each group of files with the settings of its configuration file."""
    reports = [
        _judge(check_files(targets, settings, stdin), settings, inspect)
        for settings, targets in plan.groups
    ]
    findings = sorted((f for r in reports for f in r.findings), key=Finding.sort_key)
    return Report(
        findings,
        files=sum(r.files for r in reports),
        sends=sum(r.sends for r in reports),
        errors=tuple(plan.errors) + tuple(e for r in reports for e in r.errors),
        notes=tuple(dict.fromkeys(n for r in reports for n in r.notes)),
        dns_queries=sum(r.dns_queries for r in reports),
        paths=tuple(p for r in reports for p in r.paths),
        outcomes=tuple(o for r in reports for o in r.outcomes),
    )


def check_send(send: Mapping[str, Any], settings: Settings | None = None) -> list[Finding]:
    """Check one send given as a Python mapping (e.g. right before calling SMTPeter).

    Positions refer to the send rendered as indented JSON, reported under the path `<send>`.
    """
    settings = settings or Settings()
    text = json.dumps(send, indent=2, ensure_ascii=False, default=str)
    result = check_file(
        Target("<send>", explicit=True), settings, data=text.encode("utf-8"), as_json=True
    )
    assert result is not None
    return list(_judge([result], settings).findings)


def dns_rounds(
    domains: Domains,
    models: Sequence[str],
    settings: Settings,
    groups: Sequence[DnsGroup] = DNS_GROUPS,
    *,
    cache: bool | None = None,
) -> tuple[AnswerTable, DnsRun | None]:
    """Every answer the groups need, in rounds: first every question known from the domains
    (DMARC walks, MX, SPF records), then the questions that depend on those answers (A/AAAA
    for an MX-less envelope domain, author existence for RFC 9989's `np`, the next level of
    SPF includes, ...) until nothing new is asked. Each round asks all its questions at once,
    so the depth of the dependencies, not the number of domains, sets the latency.

    Also the DnsRun of the round that asked nothing new: its answers are all there are, so
    the state the groups kept while looking for questions (discoveries, SPF trees and
    check_host() results) is what judging the sends needs, already made. None when the
    rounds ran out first."""
    from aligncheck.resolver import AnswerTable, ResolverConfig, resolve_all, resolve_until
    from aligncheck.rules.context import DnsRun

    if not domains or not groups:
        return AnswerTable(), None
    config = ResolverConfig(
        settings.nameservers,
        settings.dns_timeout,
        settings.concurrency,
        settings.cache if cache is None else cache,
    )
    names = group_names(groups)
    first = {q for group in groups for q in group.questions(domains, models, settings)}
    table = resolve_all(first, config)
    runs: list[DnsRun] = []
    complete: list[DnsRun] = []

    def followups(answers: AnswerTable) -> set[Question]:
        run = (
            runs[-1].next_round(answers)
            if runs
            else DnsRun(answers, tuple(models), settings, groups=names)
        )
        runs.append(run)
        asked = {q for g in groups for q in g.followups(run, domains)}
        if asked <= answers.answers.keys():
            complete.append(run)
        return asked

    table = resolve_until(followups, config, table)
    return table, complete[-1] if complete else None


def snapshot_answers(sends: Sequence[DnsSend], settings: Settings) -> AnswerTable:
    """Live answers (never cached ones) to every question of every DNS group under both
    models, for a snapshot any run can use."""
    from aligncheck.rules.context import Domains

    return dns_rounds(Domains.of(sends), ORG_MODELS, settings, cache=False)[0]


def gather_run(
    sends: Sequence[DnsSend], settings: Settings, groups: Sequence[DnsGroup]
) -> tuple[AnswerTable, DnsRun]:
    """The answers the sends are judged with, from the snapshot when one is given (no
    network at all), else from live DNS; and the DnsRun reading them (live: with the state
    their last round already made)."""
    from aligncheck.resolver import snapshot
    from aligncheck.rules.context import DnsRun, Domains

    models = models_in_force(settings.model)
    if settings.snapshot is not None:
        table = snapshot.load(settings.snapshot)
        return table, DnsRun(table, models, settings, groups=group_names(groups))
    table, run = dns_rounds(Domains.of(sends), models, settings, groups)
    if run is None:
        run = DnsRun(table, models, settings, groups=group_names(groups))
    return table, run


def _judge(results: list[FileResult], settings: Settings, inspect: Inspect | None = None) -> Report:
    """DNS rules over the sends of all files, then suppressions, into one report."""
    run = _Run(Decider(settings))  # what the files' suppressions add (AC106)
    dns_run: DnsRun | None = None
    judged: list[Finding] = []
    outcomes: list[SendOutcome] = []
    errors = [result.error for result in results if result.error is not None]
    files = [result for result in results if result.error is None]
    sends = [send for result in files for send in result.sends]
    notes: list[str] = []
    queries = 0
    enabled = run.decider.selection.enabled
    groups = dns_groups(enabled, outcomes=inspect is not None)  # the audit: every outcome
    if groups and sends and settings.offline:
        skipped = [code for code in DNS_CODES if enabled(code)]  # the selection's, no other
        notes.append(
            f"offline: DNS rules skipped ({code_spans(skipped)})"
            if skipped
            else "offline: DNS not asked, so every send's outcome is unknown"
        )
    elif groups and sends:
        answers, dns_run = gather_run(sends, settings, groups)
        queries = answers.queries_sent
        judged, outcomes = _judge_sends(files, len(sends), dns_run, groups)
    dns_ran = bool(groups) and not settings.offline

    def ran(prefix: str) -> bool:
        selection = run.decider.selection
        return any(code.startswith(prefix) and selection.ran(code, dns_ran) for code in RULES)

    dns_findings: dict[str, list[Finding]] = {}
    for finding in judged:
        dns_findings.setdefault(finding.path, []).append(finding)
    findings: list[Finding] = []
    for result in files:
        own = result.findings + dns_findings.get(result.path, [])
        if not result.suppressions:
            findings.extend(own)
            continue
        findings.extend(suppressions.apply(own, result.suppressions))
        for pos, index, message in suppressions.unused(result.suppressions, ran):
            before = len(run.findings)
            problem = input_rules.unused_suppression(pos, message)
            run.add(result.path, [problem], INPUT_CODES, index)
            findings.extend(run.findings[before:])
    report = Report(
        sorted(findings, key=Finding.sort_key),
        files=len(files),
        sends=len(sends),
        errors=tuple(errors),
        notes=tuple(notes),
        dns_queries=queries,
        paths=tuple(result.path for result in files),
        outcomes=tuple(outcomes),
    )
    if inspect is not None:
        inspect(settings, sends, dns_run, report)
    _keep_key_verdicts()
    return report


def _keep_key_verdicts() -> None:
    """What `cryptography` made of the DKIM keys this run read, kept for the next run. Only
    when the run read keys: the module is loaded then, and runs without keys do not load it."""
    keys = sys.modules.get("aligncheck.dkim.key")
    if keys is not None:
        keys.keep_verdicts()


def _judge_sends(
    files: Sequence[FileResult], sends: int, dns_run: DnsRun, groups: Sequence[DnsGroup]
) -> tuple[list[Finding], list[SendOutcome]]:
    """The DNS groups' findings and the outcome of every send. A large run is judged by a
    worker process per core, each with a share of the files (every finding reported once per
    file stays within one share; the files of one author domain share one, as far as the
    shares stay even) and a copy of the run's state as the DNS rounds left it."""
    processes = parallel.workers(sends, PARALLEL_SENDS)

    checks = [(group.check, DNS_CHECKS[id(group)]) for group in groups]

    def judge(share: Sequence[FileResult]) -> tuple[list[Finding], list[SendOutcome]]:
        run = _Run(Decider(dns_run.settings))
        share_sends = [send for result in share for send in result.sends]
        for send in share_sends:
            for check, owner in checks:
                run.add(send.path, check(send, dns_run), owner, send.index, send.line)
        return run.findings, _outcomes(share_sends, dns_run)

    findings: list[Finding] = []
    outcomes: list[SendOutcome] = []
    shares: Sequence[Sequence[FileResult]] = [files]  # one process: one share, one pass
    if processes > 1:
        shares = parallel.grouped(files, processes * 4, key=_first_author, weight=_send_count)
    for share_findings, share_outcomes in parallel.share_out(judge, shares, processes):
        findings.extend(share_findings)
        outcomes.extend(share_outcomes)
    if len(shares) > 1:  # back in the order of the files (each share kept it)
        place = {result.path: number for number, result in enumerate(files)}
        outcomes.sort(key=lambda found: place[found.path])
    return findings, outcomes


def _first_author(result: FileResult) -> str | None:
    """What judging shares files by: the files of one brand (author domain) are judged by one
    process, which then makes that brand's discoveries, alignments and outcomes alone."""
    return next((send.author_domain for send in result.sends), None)


def _send_count(result: FileResult) -> int:
    return max(1, len(result.sends))


_PerModel = tuple[tuple[str, str], ...]  # (model, outcome) for each model in force


def _outcomes(sends: Sequence[DnsSend], dns_run: DnsRun) -> list[SendOutcome]:
    """Whether DMARC will pass for each send, per model in force: judged once for sends
    alike in what their legs depend on, each distinct result kept once."""
    from aligncheck.rules.outcome import alike, outcome

    shared: dict[_PerModel, _PerModel] = {}
    judged: dict[tuple[object, ...], _PerModel] = {}
    found = []
    for send in sends:
        key = alike(send)
        per_model = judged.get(key)
        if per_model is None:
            made = tuple((model, outcome(send, dns_run, model)) for model in dns_run.models)
            per_model = judged[key] = shared.setdefault(made, made)
        found.append(
            SendOutcome(
                send.path,
                send.line,
                send.index,
                send.author_domain,
                send.mail_from.domain,
                per_model,
            )
        )
    return found
