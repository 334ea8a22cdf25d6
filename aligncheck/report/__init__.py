"""Reporters turn a finished Report into text; they compute nothing.

`REPORTERS` names every format (it also feeds `--format`); a reporter's module is imported
only when its format is used.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from aligncheck.findings import Report


class Reporter(Protocol):
    def __call__(self, report: Report, *, color: bool = False) -> str: ...


REPORTERS: dict[str, str] = {
    "text": "aligncheck.report.text",
    "json": "aligncheck.report.json",
    "sarif": "aligncheck.report.sarif",
    "github": "aligncheck.report.github",
    "gitlab": "aligncheck.report.gitlab",
    "junit": "aligncheck.report.junit",
}


def reporter(name: str) -> Reporter:
    render: Reporter = importlib.import_module(REPORTERS[name]).render
    return render
