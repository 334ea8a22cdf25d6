"""The pipeline: load → sends → (questions → DNS answers) → rules → findings → report."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from aligncheck.dmarc.discovery import questions
from aligncheck.dns import ResolverConfig, resolve_all
from aligncheck.findings import Finding, Problem, Report
from aligncheck.rules import RULES, SEND_CHECKS, policy
from aligncheck.rules.policy import DNS_CODES
from aligncheck.selection import Selection
from aligncheck.send import Send, build_send
from aligncheck.settings import Settings, models_in_force
from aligncheck.sources import (
    SourceError,
    SourceFile,
    Target,
    discover,
    load,
    read_target,
    sniff_json,
)


@dataclass
class _Run:
    settings: Settings
    selection: Selection
    findings: list[Finding] = field(default_factory=list)
    seen: set[tuple[str, int, int, str, str]] = field(default_factory=set)

    def add(self, path: str, send: int | None, problems: Iterable[Problem]) -> None:
        for problem in problems:
            if not self.selection.enabled(problem.code):
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
                    severity=problem.severity or rule.severity,
                    message=problem.message,
                    send=send,
                )
            )


def check_paths(
    paths: Sequence[str], settings: Settings | None = None, *, stdin: BinaryIO | None = None
) -> Report:
    """Check files and directories; `-` reads stdin (named by settings.stdin_filename)."""
    settings = settings or Settings()
    errors: list[str] = []
    sources: list[SourceFile] = []
    targets: list[Target] = []
    for path in paths:
        try:
            targets.extend(discover([path]))
        except SourceError as exc:
            errors.append(str(exc))
    for target in targets:
        display = target.path
        as_json: bool | None = None
        if target.path == "-":
            display = settings.stdin_filename or "-"
        try:
            data = read_target(target, settings.limits, stdin)
        except SourceError as exc:
            errors.append(str(exc))
            continue
        if target.path == "-" and settings.stdin_filename is None:
            as_json = sniff_json(data)
        source = load(display, data, settings.limits, explicit=target.explicit, as_json=as_json)
        if source.holds_send or target.explicit:
            sources.append(source)
    return _judge(sources, settings, errors)


def check_send(send: Mapping[str, Any], settings: Settings | None = None) -> list[Finding]:
    """Check one send given as a Python mapping (e.g. right before calling SMTPeter).

    Positions refer to the send rendered as indented JSON, reported under the path `<send>`.
    """
    settings = settings or Settings()
    text = json.dumps(send, indent=2, ensure_ascii=False, default=str)
    source = load("<send>", text.encode("utf-8"), settings.limits, explicit=True, as_json=True)
    return list(_judge([source], settings, []).findings)


def _judge(sources: list[SourceFile], settings: Settings, errors: list[str]) -> Report:
    run = _Run(settings, Selection(settings.select, settings.ignore))
    all_sends: list[Send] = []
    for source in sources:
        run.add(source.path, None, source.problems)
        for raw in source.sends:
            send = build_send(source.path, raw)
            all_sends.append(send)
            for send_check in SEND_CHECKS:
                run.add(source.path, send.index, send_check(send))
    notes: list[str] = []
    queries = 0
    dns_wanted = any(run.selection.enabled(code) for code in DNS_CODES)
    if dns_wanted and settings.offline:
        notes.append(f"offline: DNS rules skipped ({', '.join(DNS_CODES)})")
    elif dns_wanted:
        context = _ask_dns(all_sends, settings)
        queries = context.lookup.queries_sent
        for send in all_sends:
            run.add(send.path, send.index, policy.check(send, context))
    findings = sorted(run.findings, key=Finding.sort_key)
    return Report(
        findings,
        files=len(sources),
        sends=len(all_sends),
        errors=tuple(errors),
        notes=tuple(notes),
        dns_queries=queries,
    )


def _ask_dns(sends: list[Send], settings: Settings) -> policy.DnsContext:
    """Ask every DNS question any model in force may need, in one concurrent batch."""
    models = models_in_force(settings.model)
    authors = {d for d in (s.author_domain for s in sends) if d is not None}
    envelopes = {d for d in (s.envelope_domain for s in sends) if d is not None}
    wanted = {
        question
        for model in models
        for question in questions(model, authors, envelopes, settings.psl_private)
    }
    config = ResolverConfig(settings.nameservers, settings.dns_timeout, settings.concurrency)
    answers = resolve_all(wanted, config)
    return policy.DnsContext(answers, models, settings.psl_private)
