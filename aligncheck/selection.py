"""Which rules are on: --select / --ignore by code, code prefix or name (longest prefix wins)."""

from __future__ import annotations

from collections.abc import Iterable

from aligncheck.errors import AligncheckError
from aligncheck.rules import CODE_BY_NAME, OFF_BY_DEFAULT, RULES


class SelectorError(AligncheckError, ValueError):
    pass


def normalize_selector(token: str) -> str:
    """A code prefix for a selector: `AC4`, `AC403`, `dsn-non-canonical` or `ALL`."""
    token = token.strip()
    if token.upper() == "ALL":
        return "AC"
    if token.lower() in CODE_BY_NAME:
        return CODE_BY_NAME[token.lower()]
    prefix = token.upper()
    if prefix and any(code.startswith(prefix) for code in RULES):
        return prefix
    raise SelectorError(f"unknown rule selector `{token}` (see `aligncheck rules`)")


class Selection:
    """Decides per rule code, flake8 style: the longest matching prefix decides; on a tie
    between select and ignore, ignore wins. A rule that is off by default is on only when
    selected by its exact code or name."""

    def __init__(self, select: Iterable[str] = ("AC",), ignore: Iterable[str] = ()) -> None:
        self._select = [normalize_selector(token) for token in select]
        self._ignore = [normalize_selector(token) for token in ignore]
        self._cache: dict[str, bool] = {}

    def enabled(self, code: str) -> bool:
        if code not in self._cache:
            if code in OFF_BY_DEFAULT and code not in self._select:
                self._cache[code] = False
                return False
            selected = max((len(p) for p in self._select if code.startswith(p)), default=-1)
            ignored = max((len(p) for p in self._ignore if code.startswith(p)), default=-1)
            self._cache[code] = selected > ignored
        return self._cache[code]
