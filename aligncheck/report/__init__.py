"""Reporters turn a finished Report into text; they compute nothing."""

from __future__ import annotations

from typing import Protocol

from aligncheck.findings import Report
from aligncheck.report import github, gitlab, json, junit, sarif, text


class Reporter(Protocol):
    def __call__(self, report: Report, *, color: bool = False) -> str: ...


REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
}
