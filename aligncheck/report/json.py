"""The stable JSON contract of spec §5.

One finding per line: valid JSON that reads and diffs well, written by the C encoder (an
indented dump goes through the pure-Python one, and costs more than the checks themselves on
large runs).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

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
    if f.edit is not None:  # what `--fix` writes: the characters replaced, and by what
        entry["fix"] = {
            "message": f.edit.description,
            "line": f.edit.start.line,
            "column": f.edit.start.column,
            "end_line": f.edit.end.line,
            "end_column": f.edit.end.column,
            "text": f.edit.text,
        }
    return entry


def render(report: Report, *, color: bool = False) -> str:
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    out = io.StringIO()  # written piece by piece: no list of rows beside the whole text
    out.write('{\n  "version": 1,\n')
    out.write(f'  "tool": {dumps({"name": "aligncheck", "version": __version__})},\n')
    _array(out, "findings", (dumps(_finding(f)) for f in report.findings))
    if report.outcomes:  # when DNS checks ran (spec §5)
        _array(out, "sends", (dumps(_send(o)) for o in report.outcomes))
    summary = {
        "files": report.files,
        "sends": report.sends,
        **{str(s): report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)},
    }
    out.write(f'  "summary": {dumps(summary)}\n}}\n')
    return out.getvalue()


def _array(out: io.StringIO, key: str, rows: Iterator[str]) -> None:
    """`"key": [` one row a line `],`, or `[]` when there is none."""
    out.write(f'  "{key}": [')
    first = True
    for row in rows:
        out.write("\n    " if first else ",\n    ")
        out.write(row)
        first = False
    out.write("]" if first else "\n  ]")
    out.write(",\n")


def _send(o: SendOutcome) -> dict[str, object]:
    return {
        "path": o.path,
        "line": o.line,
        "send": o.send,
        "author_domain": o.author_domain,
        "mail_from_domain": o.mail_from_domain,
        "outcome": dict(o.outcome),
    }
