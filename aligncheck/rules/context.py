"""What the DNS groups of one run share: the domains its questions are about, and the answers,
models, settings and per-group state their checks read. Imported when DNS is asked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

T = TypeVar("T")

if TYPE_CHECKING:
    from aligncheck.resolver import Lookup
    from aligncheck.send import DnsSend
    from aligncheck.settings import Settings


@dataclass(frozen=True)
class Domains:
    """The domains a run's DNS questions are about."""

    authors: frozenset[str] = frozenset()
    envelopes: frozenset[str] = frozenset()  # `envelope` properties
    mail_from: frozenset[str] = frozenset()  # MAIL FROM domains: envelopes and bounce hosts
    sends: tuple[DnsSend, ...] = ()  # for the groups that need more than domains
    signing: frozenset[str] = frozenset()  # DKIM d= domains

    @classmethod
    def of(cls, sends: Sequence[DnsSend]) -> Domains:
        return cls(
            frozenset(d for d in (s.author_domain for s in sends) if d is not None),
            frozenset(d for d in (s.envelope_domain for s in sends) if d is not None),
            frozenset(d for d in (s.mail_from.domain for s in sends) if d is not None),
            tuple(sends),
            frozenset(d for s in sends for _, d in s.dkim_keys),
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
    # The DNS groups the run asked for (their last name: "policy", "spf", ...); None: every
    # one. A leg whose answers no group asked is unknown, also where a snapshot holds them, so
    # a run from a snapshot judges as the live run does.
    groups: frozenset[str] | None = None

    def asked(self, *groups: str) -> bool:
        """Whether the run asked the answers of every one of `groups`."""
        return self.groups is None or self.groups.issuperset(groups)

    def kept(self, owner: str, make: Callable[[], T], kind: type[T]) -> T:
        """The state `owner` (a module name) keeps for this run, made on first use."""
        found = self.state.get(owner)
        if found is None:
            found = self.state[owner] = make()
        assert isinstance(found, kind)
        return found

    def next_round(self, lookup: Lookup) -> DnsRun:
        """A run over the grown answers of the next round of questions, carrying the
        state that no missing answer decided: each group's kept state that has a
        `settled(lookup)` gives it (results made only from answers there were); the rest
        starts afresh."""
        carried = {}
        for owner, kept in self.state.items():
            settled = getattr(kept, "settled", None)
            if settled is not None:
                carried[owner] = settled(lookup)
        return DnsRun(lookup, self.models, self.settings, carried, self.groups)
