"""Where aligncheck keeps what it may keep between runs (the DNS cache, the parsed Public
Suffix List, what `cryptography` made of DKIM keys): one directory, chosen here; and how a
JSON value is kept there for the next run, tied to what it was made from."""

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


def kept(name: str, key: list[object]) -> object:
    """The value an earlier run kept as `name` for `key`; None when there is none, it was
    made from something else (another key), or the file does not read."""
    import json

    try:
        found = json.loads((cache_dir() / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or found.get("key") != key:
        return None
    return found.get("value")


def keep(name: str, key: list[object], value: object) -> None:
    """Best effort: `value` (JSON) kept as `name` for `key`, the file written whole or not at
    all. A cache directory that cannot be written only costs the next run the work again."""
    import json
    import tempfile

    path = cache_dir() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"key": key, "value": value}, out)
        os.replace(temporary, path)
    except OSError:
        return
