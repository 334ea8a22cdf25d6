"""What a rule is: a documented unit with a code, a name and a default severity."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aligncheck.findings import Problem, Severity

if TYPE_CHECKING:
    from aligncheck.resolver import Lookup, Question
    from aligncheck.send import DnsSend, Send
    from aligncheck.settings import Settings


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

    @property
    def passing_records(self) -> tuple[tuple[str, str, str], ...]:
        return self.dns if self.passing_dns is None else self.passing_dns


@dataclass(frozen=True)
class Domains:
    """The domains a run's DNS questions are about."""

    authors: frozenset[str] = frozenset()
    envelopes: frozenset[str] = frozenset()  # `envelope` properties
    mail_from: frozenset[str] = frozenset()  # MAIL FROM domains: envelopes and bounce hosts
    sends: tuple[DnsSend, ...] = ()  # for the groups that need more than domains

    @classmethod
    def of(cls, sends: Sequence[DnsSend]) -> Domains:
        return cls(
            frozenset(d for d in (s.author_domain for s in sends) if d is not None),
            frozenset(d for d in (s.envelope_domain for s in sends) if d is not None),
            frozenset(d for d in (s.mail_from.domain for s in sends) if d is not None),
            tuple(sends),
        )

    def __bool__(self) -> bool:
        return bool(self.authors or self.envelopes or self.mail_from)


@dataclass
class DnsRun:
    """What the DNS rules of one run share: the answers, the models in force, the settings,
    and state each group keeps for the run (under its module name)."""

    lookup: Lookup
    models: tuple[str, ...]
    settings: Settings
    state: dict[str, Any] = field(default_factory=dict)


class SendGroup(Protocol):
    """A module of rules that judge one send without DNS."""

    RULES: list[Rule]

    def check(self, send: Send, settings: Settings) -> Iterable[Problem]: ...


class DnsGroup(Protocol):
    """A module of rules that read DNS answers: the questions it needs (a first round, then
    the questions that depend on its answers), and its check of one send."""

    RULES: list[Rule]

    def questions(
        self, domains: Domains, models: Sequence[str], settings: Settings
    ) -> Iterable[Question]: ...

    def followups(
        self, lookup: Lookup, domains: Domains, models: Sequence[str], settings: Settings
    ) -> Iterable[Question]: ...

    def check(self, send: DnsSend, run: DnsRun) -> Iterable[Problem]: ...
