"""The audit document as JSON: indented down to one line per send, finding and record (so it
reads and diffs well), each of those written by the C encoder (an indented dump goes through
the pure-Python one, which would cost more than the audit itself on large runs)."""

from __future__ import annotations

import io
import json
from typing import Any

from aligncheck.audit.data import Document

DEPTH = 4  # document → domains → domain → sends → one line per send


def render(doc: Document) -> str:
    out = io.StringIO()
    _write(out, doc, 0, json.JSONEncoder(ensure_ascii=False).encode)
    out.write("\n")
    return out.getvalue()


def _write(out: io.StringIO, value: Any, depth: int, encode: Any) -> None:
    container = isinstance(value, dict | list)
    if not container or depth >= DEPTH or not value:
        out.write(encode(value))
        return
    pad = "  " * (depth + 1)
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    out.write(opening)
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for number, (key, item) in enumerate(items):
        out.write(",\n" if number else "\n")
        out.write(pad)
        if isinstance(value, dict):
            out.write(encode(key) + ": ")
        _write(out, item, depth + 1, encode)
    out.write("\n" + "  " * depth + closing)
