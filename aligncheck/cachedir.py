"""Where aligncheck keeps what it may keep between runs (the DNS cache, the parsed Public
Suffix List): one directory, chosen here."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """$ALIGNCHECK_CACHE_DIR, else $XDG_CACHE_HOME/aligncheck, else ~/.cache/aligncheck."""
    explicit = os.environ.get("ALIGNCHECK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aligncheck"
