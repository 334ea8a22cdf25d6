"""Values every stage shares: severities, source positions, findings and the report."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from aligncheck.parallel import handed_back


class Severity(enum.IntEnum):
    """How bad a finding is; a higher value is worse, so `max()` picks the strictest."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None


class Pos(NamedTuple):
    """A 1-based line and column in a source file (a tuple: cheap to make by the thousand)."""

    line: int
    column: int


FILE_START = Pos(1, 1)


@dataclass(frozen=True)
class Fix:
    """A safe fix a rule proposes: the value (or key) written `old` at the problem's position
    should read `new` (`fixes.py` finds and rewrites exactly those characters)."""

    old: str
    new: str
    key: bool = False


@dataclass(frozen=True)
class Edit:
    """A fix located in the text (BOM excluded): replace the characters from `start` up to
    `end` (1-based columns, end exclusive, on one line) by `text`, which reads `new`."""

    start: Pos
    end: Pos
    text: str
    new: str
    key: bool = False

    @property
    def description(self) -> str:
        return f"write `{self.new}`"


@dataclass(frozen=True)
class Problem:
    """What a check found, before the registry gives it a name and a severity.

    `severity` overrides the rule's default where the rule's severity depends on the
    situation (AC301 takes it from the DMARC policy).
    """

    code: str
    pos: Pos
    message: str
    severity: Severity | None = None
    # what a finding reported once for several sends is about (`dmarc:example.com`): the
    # sends of the file that share it (a DNS group's `shared()`) all stand behind it
    about: str | None = None
    fix: Fix | None = None  # a safe fix of the value or key at `pos`


@dataclass(frozen=True)
class Finding:
    """One located finding, with the fields of the JSON output (spec §5)."""

    path: str
    line: int
    column: int
    rule: str
    name: str
    severity: Severity
    message: str
    send: int | None
    # every send the finding stands for (several for a value written in `defaults:`), and
    # the lines those sends start at
    sends: tuple[int, ...] = field(default=(), compare=False)
    send_lines: tuple[int, ...] = field(default=(), compare=False)
    about: str | None = field(default=None, compare=False)  # see Problem.about
    fix: Fix | None = field(default=None, compare=False)
    edit: Edit | None = field(default=None, compare=False)  # the fix located in the file

    def sort_key(self) -> tuple[str, int, int, str, int]:
        return (
            self.path,
            self.line,
            self.column,
            self.rule,
            -1 if self.send is None else self.send,
        )


@dataclass(frozen=True)
class Report:
    """The finished result of a run; reporters only format it."""

    findings: Sequence[Finding]
    files: int
    sends: int
    errors: Sequence[str] = field(default_factory=tuple)
    notes: Sequence[str] = field(default_factory=tuple)
    dns_queries: int = 0
    paths: Sequence[str] = field(default_factory=tuple)  # every file checked, in order
    outcomes: Sequence[SendOutcome] = field(default_factory=tuple)  # when DNS checks ran

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


@handed_back
@dataclass(frozen=True, slots=True)
class SendOutcome:
    """Whether DMARC will pass for one send, per model in force (spec §7): `pass (SPF)`,
    `pass (DKIM)`, `pass (SPF, DKIM)`, `fail` or `unknown`."""

    path: str
    line: int
    send: int
    author_domain: str | None
    mail_from_domain: str | None
    outcome: tuple[tuple[str, str], ...]  # (model, outcome)
