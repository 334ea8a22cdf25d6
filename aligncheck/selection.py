"""Whether and at what severity a finding is reported: `--select` / `--ignore` by code, code
prefix or name (longest prefix wins), per-file ignores and severity overrides, decided in one
place (`Decider.decide`)."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from aligncheck.errors import AligncheckError
from aligncheck.findings import Severity
from aligncheck.rules import CODE_BY_NAME, OFF_BY_DEFAULT, RULES
from aligncheck.spelling import did_you_mean

if TYPE_CHECKING:
    from aligncheck.settings import Settings


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
    if _is_prefix(prefix):
        return prefix
    raise SelectorError(
        f"unknown rule selector `{token}`{rule_hint(token)} (see `aligncheck rules`)"
    )


def _is_prefix(prefix: str) -> bool:
    return bool(prefix) and any(code.startswith(prefix) for code in RULES)


_LOOKALIKES = str.maketrans("OIL", "011")  # letters typed for the digits they resemble


def rule_hint(token: str) -> str:
    """` (did you mean `AC701`?)` for a misspelt rule code, code prefix or rule name; nothing
    when no rule is near. A code is near when written with letters for the digits they
    resemble (`AC7O1`), or when it is the only code one digit or one swap of neighbouring
    digits away (`AC170`); a name, by difflib's measure."""
    token = token.strip()
    if token[:2].upper() != "AC":
        return did_you_mean(token, CODE_BY_NAME)
    code = "AC" + token[2:].upper().translate(_LOOKALIKES)
    if code != token.upper() and _is_prefix(code):
        return f" (did you mean `{code}`?)"
    near = [known for known in RULES if _one_slip(code, known)]
    return f" (did you mean `{near[0]}`?)" if len(near) == 1 else ""


def _one_slip(written: str, code: str) -> bool:
    if len(written) != len(code):
        return False
    differ = [i for i, (a, b) in enumerate(zip(written, code, strict=True)) if a != b]
    if len(differ) != 2:
        return len(differ) == 1
    first, second = differ
    return second == first + 1 and written[first] == code[second] and written[second] == code[first]


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

    def ran(self, code: str, dns: bool) -> bool:
        """Whether a rule ran: enabled, and not a DNS rule in a run that asked no DNS
        (suppressions and baseline entries of rules that did not run are not stale)."""
        return self.enabled(code) and (dns or not RULES[code].needs_dns)


class Decider:
    """The one decision point for a run's findings (flake8's DecisionEngine): the selection,
    then `per-file-ignores` (globs relative to the configuration file's directory), then
    `severity` overrides."""

    def __init__(self, settings: Settings) -> None:
        self.selection = Selection(settings.select, settings.ignore)
        self._per_file = settings.per_file_ignores
        self._base = settings.config_dir or os.getcwd()
        self._overrides = dict(settings.severity)
        self._file_ignores: dict[str, tuple[str, ...]] = {}

    def decide(self, path: str, code: str, severity: Severity) -> Severity | None:
        """The severity to report `code` at in `path` (given the finding's own), or None
        when it is not reported."""
        if not self.selection.enabled(code) or self._ignored_in(path, code):
            return None
        return self._overrides.get(code, severity)

    def _ignored_in(self, path: str, code: str) -> bool:
        if not self._per_file:
            return False
        if path not in self._file_ignores:
            relative = os.path.relpath(os.path.abspath(path), self._base).replace(os.sep, "/")
            self._file_ignores[path] = tuple(
                normalize_selector(token)
                for glob, tokens in self._per_file
                if fnmatch.fnmatch(relative, glob) or fnmatch.fnmatch(path, glob)
                for token in tokens
            )
        return any(code.startswith(prefix) for prefix in self._file_ignores[path])
