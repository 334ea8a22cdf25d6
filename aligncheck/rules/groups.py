"""The shapes of rule groups, for type checking only (the registry lists the modules)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from aligncheck.findings import Problem
    from aligncheck.resolver import Question
    from aligncheck.rules.base import Rule
    from aligncheck.rules.context import DnsRun, Domains
    from aligncheck.send import DnsSend, Send
    from aligncheck.settings import Settings


class SendGroup(Protocol):
    """A module of rules that judge one send without DNS."""

    RULES: list[Rule]

    def check(self, send: Send, settings: Settings) -> Iterable[Problem]: ...


class DnsGroup(Protocol):
    """A module of rules that read DNS answers: the questions it needs (a first round, then
    the questions that depend on its answers), and its check of one send."""

    __name__: str  # the module's: a run names its groups by it
    RULES: list[Rule]

    def questions(
        self, domains: Domains, models: Sequence[str], settings: Settings
    ) -> Iterable[Question]: ...

    def followups(self, run: DnsRun, domains: Domains) -> Iterable[Question]:
        """The questions that depend on the answers so far (`run` reads them; the state
        it keeps is the judging's own when this round asks nothing new)."""
        ...

    def check(self, send: DnsSend, run: DnsRun) -> Iterable[Problem]: ...

    def shared(self, send: DnsSend) -> Iterable[str]:
        """What the findings this group reports once per file for several sends are about
        (their `about`), for this send: the audit puts the send behind those findings."""
        ...
