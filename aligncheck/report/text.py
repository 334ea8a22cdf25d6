"""`path:line:col: CODE [severity] message`, then a one-line summary."""

from __future__ import annotations

from collections import Counter

import click

from aligncheck.findings import Report, Severity

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(report: Report, *, color: bool = False, quiet: bool = False) -> str:
    lines = []
    for f in report.findings:
        severity = f"[{f.severity}]"
        code = f.rule
        if color:
            severity = click.style(severity, fg=_COLORS[f.severity])
            code = click.style(code, bold=True)
        stands_for = (
            f" (for sends at lines {', '.join(map(str, f.send_lines))})"
            if len(f.send_lines) > 1
            else ""
        )
        lines.append(f"{f.path}:{f.line}:{f.column}: {code} {severity} {f.message}{stands_for}")
    if not quiet:
        lines.append(summary(report))
    return "".join(f"{line}\n" for line in lines)


def statistics(report: Report, *, color: bool = False, quiet: bool = False) -> str:
    """Counts per rule, most frequent first, then the summary."""
    counts = Counter((f.rule, f.name) for f in report.findings)
    lines = [
        f"{count:>6}  {code}  {name}"
        for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    if not quiet:
        lines.append(summary(report))
    return "".join(f"{line}\n" for line in lines)


def summary(report: Report) -> str:
    scope = f"{_plural(report.files, 'file')}, {_plural(report.sends, 'send')}"
    if not report.findings:
        return f"No findings ({scope} checked)."
    counts = ", ".join(
        _plural(report.count(severity), str(severity))
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    )
    return f"Found {_plural(len(report.findings), 'finding')} ({counts}) in {scope}."


def _plural(count: int, word: str) -> str:
    if word == "info":
        return f"{count} info"
    return f"{count} {word}{'' if count == 1 else 's'}"
