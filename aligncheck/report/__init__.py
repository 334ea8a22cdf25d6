"""Reporters turn a finished Report into text; they compute nothing."""

from __future__ import annotations

from collections.abc import Callable

from aligncheck.findings import Report
from aligncheck.report import json, text

Reporter = Callable[[Report], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json.render,
}
