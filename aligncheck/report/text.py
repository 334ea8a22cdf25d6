"""`path:line:col: CODE [severity] message`, then a one-line summary."""

from __future__ import annotations

from aligncheck.findings import Report, Severity


def render(report: Report) -> str:
    lines = [
        f"{f.path}:{f.line}:{f.column}: {f.rule} [{f.severity}] {f.message}"
        for f in report.findings
    ]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


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
