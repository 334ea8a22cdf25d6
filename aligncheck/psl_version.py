"""The date of the Public Suffix List snapshot tldextract ships, read without importing it."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

_VERSION = re.compile(r"^// VERSION: (\S+)", re.MULTILINE)


@cache
def psl_snapshot_version() -> str:
    spec = importlib.util.find_spec("tldextract")
    if spec is None or spec.origin is None:
        return "unknown (tldextract is not installed)"
    snapshot = Path(spec.origin).with_name(".tld_set_snapshot")
    try:
        with snapshot.open(encoding="utf-8") as handle:
            head = handle.read(4096)
    except OSError:
        return "unknown"
    match = _VERSION.search(head)
    return match.group(1) if match else "unknown"
