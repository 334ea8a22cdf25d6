"""DMARC policy discovery and organizational domains under RFC 7489 and RFC 9989.

Pure logic over answers already gathered (`Lookup`): `questions()` says which names a model
needs, so the DNS layer can ask them all at once; `discover()` and `org_domain()` then read the
answers. No function here waits on the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from aligncheck.dmarc import dmarc_name, psl
from aligncheck.dmarc.record import Policy, Record, is_dmarc, is_near_miss, parse
from aligncheck.resolver import Failure, Lookup, Question, needed

MAX_WALK = 8


@dataclass(frozen=True)
class NameState:
    """What DNS holds at `_dmarc.<domain>`."""

    domain: str
    records: tuple[Record, ...]
    near_misses: tuple[str, ...]

    @property
    def single(self) -> Record | None:
        """The record at this name, when there is exactly one (several are discarded)."""
        return self.records[0] if len(self.records) == 1 else None


@dataclass(frozen=True)
class Discovery:
    """The outcome of policy discovery for one author domain under one model."""

    model: str
    domain: str
    org_domain: str
    examined: tuple[NameState, ...]
    policy_domain: str | None = None
    policy: Policy | None = None
    effective: str | None = None  # none / quarantine / reject after sp/np and t=y, or None
    steps: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def aspf(self) -> str:
        return self.policy.aspf if self.policy is not None else "r"

    @property
    def adkim(self) -> str:
        return self.policy.adkim if self.policy is not None else "r"


def walk_names(domain: str) -> list[str]:
    """RFC 9989 §4.10 tree walk: the domain, then (jumping to 7 labels for longer names) each
    parent down to the TLD; never more than 8 names."""
    labels = domain.split(".")
    names = [domain]
    rest = labels[-7:] if len(labels) > 8 else labels[1:]
    while rest:
        names.append(".".join(rest))
        rest = rest[1:]
    return names[:MAX_WALK]


def questions(
    model: str, author_domains: set[str], envelope_domains: set[str], psl_private: bool
) -> Iterator[Question]:
    """The DNS questions `model` needs for these domains, all asked at once in a first round
    (what a discovery then still misses, an author's existence, is asked in the next)."""
    for domain in author_domains:
        if model == "rfc7489":
            yield dmarc_name(domain), "TXT"
            yield dmarc_name(psl.org_domain(domain, psl_private)), "TXT"
        else:
            yield from ((dmarc_name(name), "TXT") for name in walk_names(domain))
    if model == "rfc9989":
        for domain in envelope_domains:
            yield from ((dmarc_name(name), "TXT") for name in walk_names(domain))


def name_state(lookup: Lookup, domain: str) -> NameState:
    """Read `_dmarc.<domain>`; raises Failure when the answer is missing or failed."""
    answer = needed(lookup, dmarc_name(domain), "TXT")
    texts = answer.records if answer.kind == "records" else ()
    return NameState(
        domain,
        tuple(parse(text) for text in texts if is_dmarc(text)),
        tuple(text for text in texts if is_near_miss(text)),
    )


def discover(
    model: str, lookup: Lookup, domain: str, psl_private: bool = True
) -> Discovery | Failure:
    """The DMARC policy that applies to author `domain` under `model`, or the Failure of an
    answer it could not do without (a value: nothing is raised to the caller)."""
    try:
        if model == "rfc7489":
            return _discover_7489(lookup, domain, psl_private)
        return _discover_9989(lookup, domain)
    except Failure as failure:
        return failure


def _effective(model: str, policy: Policy | None, which: str) -> str | None:
    if policy is None:
        return None
    return policy.demoted(getattr(policy, which))


def _describe(state: NameState) -> str:
    if not state.records:
        extra = f" ({len(state.near_misses)} near miss ignored)" if state.near_misses else ""
        return f"{dmarc_name(state.domain)}: no DMARC record{extra}"
    if len(state.records) > 1:
        return f"{dmarc_name(state.domain)}: {len(state.records)} DMARC records"
    return f"{dmarc_name(state.domain)}: {state.records[0].text}"


def _discover_7489(lookup: Lookup, domain: str, psl_private: bool) -> Discovery:
    org = psl.org_domain(domain, psl_private)
    own = name_state(lookup, domain)
    examined = [own]
    steps = [_describe(own)]
    chosen: NameState | None = None
    which = "p"
    if own.records:
        chosen = own
    elif org != domain:
        parent = name_state(lookup, org)
        examined.append(parent)
        steps.append(_describe(parent))
        if parent.records:
            chosen, which = parent, "sp"
    if chosen is None or len(chosen.records) > 1:
        why = "several records: DMARC does not apply" if chosen else "no record: no policy"
        steps.append(why)
        return Discovery("rfc7489", domain, org, tuple(examined), steps=tuple(steps))
    record = chosen.records[0]
    policy = record.policy("rfc7489")
    effective = _effective("rfc7489", policy, which)
    steps.append(
        f"policy from {dmarc_name(chosen.domain)} ({which}): "
        + (effective if effective else "no policy (record unusable)")
    )
    return Discovery(
        "rfc7489", domain, org, tuple(examined), chosen.domain, policy, effective, tuple(steps)
    )


@dataclass(frozen=True)
class Walk:
    """The names an RFC 9989 walk reached from `start`, and the org domain it decided."""

    start: str
    states: tuple[NameState, ...]
    org_domain: str
    reason: str


def walk(lookup: Lookup, start: str) -> Walk:
    """RFC 9989 §4.10 / §4.10.2: walk from `start`, stopping at psd=n or psd=y."""
    states: list[NameState] = []
    for name in walk_names(start):
        state = name_state(lookup, name)
        states.append(state)
        record = state.single
        psd = record.tags.get("psd") if record is not None else None
        if psd == "n":
            return Walk(start, tuple(states), name, f"psd=n at {dmarc_name(name)}")
        if psd == "y":
            if name == start:
                return Walk(start, tuple(states), name, f"psd=y at the start {name}")
            below = start.split(".")[-(len(name.split(".")) + 1) :]
            return Walk(start, tuple(states), ".".join(below), f"one label below psd=y at {name}")
    with_record = [state.domain for state in states if state.single is not None]
    if with_record:
        org = min(with_record, key=lambda n: n.count("."))
        return Walk(start, tuple(states), org, f"shortest name with a record: {org}")
    return Walk(start, tuple(states), start, "no record found: the domain itself")


def _discover_9989(lookup: Lookup, domain: str) -> Discovery:
    tree = walk(lookup, domain)
    by_name = {state.domain: state for state in tree.states}
    steps = [_describe(state) for state in tree.states]
    steps.append(f"organizational domain {tree.org_domain} ({tree.reason})")
    own = by_name[domain].single
    chosen: str | None = None
    which = "p"
    if own is not None:
        chosen = domain
    else:
        candidates = [tree.org_domain] + [
            state.domain
            for state in tree.states
            if state.single is not None and state.single.tags.get("psd") == "y"
        ]
        chosen = next((n for n in candidates if n in by_name and by_name[n].single), None)
        if chosen is not None:
            exists = needed(lookup, domain, "A").kind != "nxdomain"
            which = "sp" if exists else "np"
            steps.append(f"{domain} {'exists' if exists else 'does not exist (NXDOMAIN)'}")
    if chosen is None:
        steps.append("no record: no policy")
        return Discovery("rfc9989", domain, tree.org_domain, tree.states, steps=tuple(steps))
    record = by_name[chosen].single
    assert record is not None
    policy = record.policy("rfc9989")
    effective = _effective("rfc9989", policy, which)
    steps.append(
        f"policy from {dmarc_name(chosen)} ({which}"
        + (", t=y" if policy is not None and policy.testing else "")
        + "): "
        + (effective if effective else "no policy (record unusable)")
    )
    return Discovery(
        "rfc9989", domain, tree.org_domain, tree.states, chosen, policy, effective, tuple(steps)
    )
