"""The stable JSON contract of spec §5.

One finding per line: valid JSON that reads and diffs well, written by the C encoder (an
indented dump goes through the pure-Python one, and costs more than the checks themselves on
large runs).
"""

from __future__ import annotations

import json

from aligncheck import __version__
from aligncheck.findings import Finding, Report, SendOutcome, Severity


def _finding(f: Finding) -> dict[str, object]:
    entry: dict[str, object] = {
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "rule": f.rule,
        "name": f.name,
        "severity": str(f.severity),
        "message": f.message,
        "send": f.send,
    }
    if len(f.sends) > 1:  # a value from `defaults:`: the finding stands for every such send
        entry["sends"] = list(f.sends)
    return entry


def render(report: Report, *, color: bool = False) -> str:
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    findings = ",\n    ".join(dumps(_finding(f)) for f in report.findings)
    summary = {
        "files": report.files,
        "sends": report.sends,
        **{str(s): report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)},
    }
    tool = dumps({"name": "aligncheck", "version": __version__})
    body = f"[\n    {findings}\n  ]" if findings else "[]"
    sends = ""
    if report.outcomes:  # when DNS checks ran (spec §5)
        rows = ",\n    ".join(dumps(_send(o)) for o in report.outcomes)
        sends = f'  "sends": [\n    {rows}\n  ],\n'
    return (
        "{\n"
        '  "version": 1,\n'
        f'  "tool": {tool},\n'
        f'  "findings": {body},\n'
        f"{sends}"
        f'  "summary": {dumps(summary)}\n'
        "}\n"
    )


def _send(o: SendOutcome) -> dict[str, object]:
    return {
        "path": o.path,
        "line": o.line,
        "send": o.send,
        "author_domain": o.author_domain,
        "mail_from_domain": o.mail_from_domain,
        "outcome": dict(o.outcome),
    }
