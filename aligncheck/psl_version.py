"""The Public Suffix List snapshot tldextract ships: where it is and its date, found without
importing tldextract (which pulls in an HTTP stack)."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

_VERSION = re.compile(r"^// VERSION: (\S+)", re.MULTILINE)


class PslMissing(RuntimeError):
    pass


@cache
def snapshot_path() -> Path:
    spec = importlib.util.find_spec("tldextract")
    if spec is None or spec.origin is None:
        raise PslMissing("tldextract is not installed: no Public Suffix List")
    return Path(spec.origin).with_name(".tld_set_snapshot")


@cache
def psl_snapshot_version() -> str:
    try:
        with snapshot_path().open(encoding="utf-8") as handle:
            head = handle.read(4096)
    except (OSError, PslMissing):
        return "unknown"
    match = _VERSION.search(head)
    return match.group(1) if match else "unknown"
