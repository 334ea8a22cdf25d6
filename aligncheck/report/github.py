"""GitHub Actions workflow commands (annotations), escaped as the Actions toolkit escapes,
followed by plain lines: GitHub shows only the first annotations of a step."""

from __future__ import annotations

from aligncheck.findings import Report, Severity
from aligncheck.report import text

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, *, color: bool = False) -> str:
    lines = []
    for f in report.findings:
        properties = ",".join(
            f"{key}={escape_property(value)}"
            for key, value in (
                ("file", f.path),
                ("line", str(f.line)),
                ("col", str(f.column)),
                ("title", f"{f.rule} {f.name}"),
            )
        )
        lines.append(f"::{COMMANDS[f.severity]} {properties}::{escape_data(f.message)}")
    lines.append(text.render(report).rstrip("\n"))
    return "\n".join(lines) + "\n"
