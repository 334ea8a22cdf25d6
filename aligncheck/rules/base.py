"""What a rule is: a documented unit with a code, a name and a default severity."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from aligncheck.findings import Problem, Severity


@dataclass(frozen=True)
class Rule:
    """A rule of the catalogue (spec §3).

    `failing` and `passing` are example send configurations (YAML); the test suite runs them,
    so the documentation cannot drift from what the rule does. For rules that need DNS,
    `dns` and `passing_dns` hold the records (name, type, value) each example is judged with.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    description: str
    failing: str
    passing: str
    needs_dns: bool = False
    dns: tuple[tuple[str, str, str], ...] = ()
    passing_dns: tuple[tuple[str, str, str], ...] | None = None
    # Off unless selected by its exact code or name (organization policies).
    default_enabled: bool = True
    # Configuration keys that change what the rule does (declared in options.py, where their
    # help is the documentation), and the Settings fields the examples are judged with.
    options: tuple[str, ...] = ()
    example_settings: tuple[tuple[str, object], ...] = ()
    # What `check --fix` does for it ("" when the rule has no safe fix).
    fix: str = ""

    @property
    def passing_records(self) -> tuple[tuple[str, str, str], ...]:
        return self.dns if self.passing_dns is None else self.passing_dns


def about(subject: str, problems: Iterable[Problem]) -> Iterator[Problem]:
    """`problems`, marked as being about `subject` (a group's `shared()` names the sends
    that share it): reported once per file, they stand for each of those sends."""
    for problem in problems:
        yield replace(problem, about=subject)
