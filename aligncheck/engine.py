"""The pipeline: load → sends → (questions → DNS answers) → rules → findings → report."""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from aligncheck import snapshot, suppressions
from aligncheck.dmarc.discovery import followups, questions
from aligncheck.dns import AnswerTable, Question, ResolverConfig, resolve_all
from aligncheck.findings import Finding, Problem, Report
from aligncheck.plan import RunPlan
from aligncheck.rules import DNS_CODES, RULES, SEND_CHECKS, deliverability, organization, policy
from aligncheck.selection import Selection, normalize_selector
from aligncheck.send import Send, build_send
from aligncheck.settings import Settings, models_in_force
from aligncheck.sources import (
    FileFilter,
    SourceError,
    SourceFile,
    Target,
    discover,
    load,
    read_target,
    sniff_json,
)

MODELS_ALL = models_in_force("both")


@dataclass
class _Run:
    settings: Settings
    selection: Selection
    findings: list[Finding] = field(default_factory=list)
    seen: set[tuple[str, int, int, str, str]] = field(default_factory=set)
    _file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def ignored_here(self, path: str, code: str) -> bool:
        """per-file-ignores: globs relative to the configuration's directory."""
        if not self.settings.per_file_ignores:
            return False
        if path not in self._file_ignores:
            base = self.settings.config_dir or os.getcwd()
            relative = os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
            self._file_ignores[path] = tuple(
                normalize_selector(token)
                for glob, tokens in self.settings.per_file_ignores
                if fnmatch.fnmatch(relative, glob) or fnmatch.fnmatch(path, glob)
                for token in tokens
            )
        return any(code.startswith(prefix) for prefix in self._file_ignores[path])

    def add(self, path: str, send: int | None, problems: Iterable[Problem]) -> None:
        overrides = dict(self.settings.severity)
        for problem in problems:
            if not self.selection.enabled(problem.code) or self.ignored_here(path, problem.code):
                continue
            key = (path, problem.pos.line, problem.pos.column, problem.code, problem.message)
            if key in self.seen:  # e.g. a `defaults:` value shared by many sends
                continue
            self.seen.add(key)
            rule = RULES[problem.code]
            self.findings.append(
                Finding(
                    path=path,
                    line=problem.pos.line,
                    column=problem.pos.column,
                    rule=rule.code,
                    name=rule.name,
                    severity=overrides.get(rule.code) or problem.severity or rule.severity,
                    message=problem.message,
                    send=send,
                )
            )


@dataclass
class Loaded:
    """Everything read from the paths: the files to report on, their sends, read errors."""

    sources: list[SourceFile]
    sends: list[Send]
    errors: list[str]


def load_paths(paths: Sequence[str], settings: Settings, stdin: BinaryIO | None = None) -> Loaded:
    """Read and parse every file the paths name; a path that cannot be read is an error line."""
    errors: list[str] = []
    targets: list[Target] = []
    files = file_filter(settings)
    for path in paths:
        try:
            targets.extend(discover([path], files))
        except SourceError as exc:
            errors.append(str(exc))
    loaded = load_targets(targets, settings, stdin)
    loaded.errors[:0] = errors
    return loaded


def load_targets(
    targets: Sequence[Target], settings: Settings, stdin: BinaryIO | None = None
) -> Loaded:
    errors: list[str] = []
    sources: list[SourceFile] = []
    for target in targets:
        try:
            data = read_target(target, settings.limits, stdin)
        except SourceError as exc:
            errors.append(str(exc))
            continue
        display, as_json = target.path, None
        if target.path == "-":
            display = settings.stdin_filename or "-"
            as_json = sniff_json(data) if settings.stdin_filename is None else None
        source = load(display, data, settings.limits, explicit=target.explicit, as_json=as_json)
        if source.holds_send or target.explicit:
            sources.append(source)
    sends = [build_send(source.path, raw) for source in sources for raw in source.sends]
    return Loaded(sources, sends, errors)


def file_filter(settings: Settings) -> FileFilter:
    return FileFilter(
        include=settings.include,
        exclude=settings.exclude,
        base=settings.config_dir,
        respect_gitignore=settings.respect_gitignore,
        force_exclude=settings.force_exclude,
    )


def check_paths(
    paths: Sequence[str], settings: Settings | None = None, *, stdin: BinaryIO | None = None
) -> Report:
    """Check files and directories; `-` reads stdin (named by settings.stdin_filename)."""
    settings = settings or Settings()
    return _judge(load_paths(paths, settings, stdin), settings)


def check_plan(plan: RunPlan, stdin: BinaryIO | None = None) -> Report:
    """Check each group of files with the settings of its configuration file."""
    reports = [
        _judge(load_targets(targets, settings, stdin), settings)
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
    )


def check_send(send: Mapping[str, Any], settings: Settings | None = None) -> list[Finding]:
    """Check one send given as a Python mapping (e.g. right before calling SMTPeter).

    Positions refer to the send rendered as indented JSON, reported under the path `<send>`.
    """
    settings = settings or Settings()
    text = json.dumps(send, indent=2, ensure_ascii=False, default=str)
    source = load("<send>", text.encode("utf-8"), settings.limits, explicit=True, as_json=True)
    sends = [build_send(source.path, raw) for raw in source.sends]
    return list(_judge(Loaded([source], sends, []), settings).findings)


def _suppress(run: _Run, loaded: Loaded, ran: Callable[[str], bool]) -> list[Finding]:
    """Drop suppressed findings; report suppressions that suppressed nothing (AC106)."""
    by_path: dict[str, list[suppressions.Suppression]] = {}
    for source in loaded.sources:
        by_path[source.path] = suppressions.from_comments(
            source.comment_lines, source.first_content_line
        )
    for send in loaded.sends:
        by_path.setdefault(send.path, []).extend(suppressions.from_send(send))
    findings = [f for f in run.findings if f.path not in by_path]
    for path, written in by_path.items():
        own = [f for f in run.findings if f.path == path]
        findings.extend(suppressions.apply(own, written))
        for pos, index, message in suppressions.unused(written, ran):
            before = len(run.findings)
            run.add(path, index, [Problem("AC106", pos, message)])
            findings.extend(run.findings[before:])
    return sorted(findings, key=Finding.sort_key)


def ask_dns(
    authors: set[str],
    envelopes: set[str],
    models: Sequence[str],
    settings: Settings,
    *,
    dmarc: bool = True,
    delivery: bool = True,
    cache: bool | None = None,
) -> AnswerTable:
    """Every answer the checks need, in two rounds: first all TXT walks and MX at once, then
    the few questions that depend on those answers (A/AAAA for an MX-less envelope domain,
    author existence for RFC 9989's `np`). No round waits on more than one round trip."""
    config = ResolverConfig(
        settings.nameservers,
        settings.dns_timeout,
        settings.concurrency,
        settings.cache if cache is None else cache,
    )
    first: set[Question] = set()
    if delivery:
        first.update(deliverability.questions(envelopes))
    if dmarc:
        for model in models:
            first.update(questions(model, authors, envelopes, settings.psl_private))
    table = resolve_all(first, config)
    second: set[Question] = set()
    if delivery:
        second.update(deliverability.followups(table, envelopes))
    if dmarc:
        for model in models:
            second.update(followups(model, table, authors))
    return resolve_all(second, config, table)


def _domains(sends: Sequence[Send]) -> tuple[set[str], set[str]]:
    authors = {d for d in (s.author_domain for s in sends) if d is not None}
    envelopes = {d for d in (s.envelope_domain for s in sends) if d is not None}
    return authors, envelopes


def snapshot_answers(sends: Sequence[Send], settings: Settings) -> AnswerTable:
    """Live answers (never cached ones) to every question of both models, for a snapshot
    any model can use."""
    authors, envelopes = _domains(sends)
    return ask_dns(authors, envelopes, MODELS_ALL, settings, cache=False)


def gather_answers(
    sends: Sequence[Send], settings: Settings, *, dmarc: bool, delivery: bool
) -> AnswerTable:
    """Answers from the snapshot when one is given (no network at all), else live DNS."""
    if settings.snapshot is not None:
        return snapshot.load(settings.snapshot)
    authors, envelopes = _domains(sends)
    models = models_in_force(settings.model)
    return ask_dns(authors, envelopes, models, settings, dmarc=dmarc, delivery=delivery)


def _judge(loaded: Loaded, settings: Settings) -> Report:
    run = _Run(settings, Selection(settings.select, settings.ignore))
    for source in loaded.sources:
        run.add(source.path, None, source.problems)
    for send in loaded.sends:
        for send_check in SEND_CHECKS:
            run.add(send.path, send.index, send_check(send))
        run.add(send.path, send.index, organization.check(send, settings))
    notes: list[str] = []
    queries = 0
    enabled = run.selection.enabled
    dmarc = any(enabled(rule.code) for rule in policy.RULES)
    delivery = enabled("AC302")
    if (dmarc or delivery) and settings.offline:
        notes.append(f"offline: DNS rules skipped ({', '.join(DNS_CODES)})")
    elif (dmarc or delivery) and loaded.sends:
        answers = gather_answers(loaded.sends, settings, dmarc=dmarc, delivery=delivery)
        queries = answers.queries_sent
        context = policy.DnsContext(
            answers,
            models_in_force(settings.model),
            settings.psl_private,
            settings.require_strict_alignment,
        )
        for send in loaded.sends:
            if dmarc:
                run.add(send.path, send.index, policy.check(send, context))
            if delivery:
                run.add(send.path, send.index, deliverability.check(send, answers))
    dns_ran = (dmarc or delivery) and not settings.offline

    def ran(prefix: str) -> bool:
        return any(
            code.startswith(prefix) and enabled(code) and (dns_ran or not RULES[code].needs_dns)
            for code in RULES
        )

    findings = _suppress(run, loaded, ran)
    return Report(
        findings,
        files=len(loaded.sources),
        sends=len(loaded.sends),
        errors=tuple(loaded.errors),
        notes=tuple(notes),
        dns_queries=queries,
        paths=tuple(source.path for source in loaded.sources),
    )
