"""The rule registry: every rule of the catalogue, grouped by the module that owns it.

A group may report only the codes it declares (DNS groups also AC600/AC601, which `dns_failures`
declares for every lookup that fails); the engine drives the groups from here and checks that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from aligncheck.rules import (
    author,
    deliverability,
    dkim,
    dns_failures,
    dsn,
    envelope,
    organization,
    policy,
    signature,
    spf,
)
from aligncheck.rules import input as input_rules
from aligncheck.rules.base import Rule

if TYPE_CHECKING:
    from aligncheck.rules.groups import DnsGroup, SendGroup

_GROUPS = (
    input_rules,
    author,
    envelope,
    deliverability,
    organization,
    dsn,
    policy,
    spf,
    dkim,
    signature,
    dns_failures,
)
RULES: dict[str, Rule] = dict(
    sorted((rule.code, rule) for module in _GROUPS for rule in module.RULES)
)
CODE_BY_NAME: dict[str, str] = {rule.name: rule.code for rule in RULES.values()}

# Groups that judge a send on its own, without DNS, and groups that read DNS answers.
SEND_GROUPS: tuple[SendGroup, ...] = (input_rules, author, envelope, dsn, organization, signature)
DNS_GROUPS: tuple[DnsGroup, ...] = (policy, deliverability, spf, dkim)


def codes_of(group: ModuleType | SendGroup | DnsGroup) -> frozenset[str]:
    """The codes a group may report."""
    own = frozenset(rule.code for rule in group.RULES)
    if group in DNS_GROUPS:
        return own | frozenset(rule.code for rule in dns_failures.RULES)
    return own


# What judging a DNS group's rules reads: its own answers and, where a rule's severity and
# message say which leg of DMARC carries it (spec §7), the answers of that leg. Each leg's
# alignment reads the DMARC policies the policy group discovers; AC301 reads the DKIM leg,
# AC7xx and AC8xx read both.
_NEEDS: dict[DnsGroup, tuple[DnsGroup, ...]] = {
    policy: (policy, dkim),
    deliverability: (deliverability,),
    spf: (policy, spf, dkim),
    dkim: (policy, spf, dkim),
}

_OUTCOME = (policy, spf, dkim)  # what a send's outcome reads: both legs and their alignment


def dns_groups(enabled: Callable[[str], bool], outcomes: bool = False) -> list[DnsGroup]:
    """The DNS groups a run asks and judges: what the groups with an enabled rule need, and
    with `outcomes` (the audit) what every send's outcome needs whatever is selected. A
    group asked only because another needs it reports nothing the selection leaves out, so
    the rules selected report what a run of every rule reports of them. AC600 and AC601
    report on the lookups of the other rules; selected without them, on every group's."""
    chosen = [g for g in DNS_GROUPS if any(enabled(rule.code) for rule in g.RULES)]
    if not chosen and any(enabled(rule.code) for rule in dns_failures.RULES):
        chosen = list(DNS_GROUPS)
    wanted = {need for group in chosen for need in _NEEDS[group]}
    if outcomes:
        wanted.update(_OUTCOME)
    return [group for group in DNS_GROUPS if group in wanted]


OFF_BY_DEFAULT: frozenset[str] = frozenset(
    code for code, rule in RULES.items() if not rule.default_enabled
)
DNS_CODES: tuple[str, ...] = tuple(code for code, rule in RULES.items() if rule.needs_dns)


def group_names(groups: Sequence[DnsGroup]) -> frozenset[str]:
    """The groups as a run names them: their modules' last names (`spf`, `dkim`, ...)."""
    return frozenset(group.__name__.rpartition(".")[2] for group in groups)


def code_spans(codes: Sequence[str]) -> str:
    """Rule codes for people, runs of three or more written as one span: `AC301, AC302,
    AC500-AC507`."""
    runs: list[list[str]] = []
    for code in sorted(codes):
        if runs and code[:2] == runs[-1][-1][:2] and int(code[2:]) == int(runs[-1][-1][2:]) + 1:
            runs[-1].append(code)
        else:
            runs.append([code])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ", ".join(run) for run in runs)


def rule_for(code_or_name: str) -> Rule | None:
    """A rule by code (any case) or name."""
    code = CODE_BY_NAME.get(code_or_name.lower(), code_or_name.upper())
    return RULES.get(code)


__all__ = [
    "CODE_BY_NAME",
    "DNS_CODES",
    "DNS_GROUPS",
    "OFF_BY_DEFAULT",
    "RULES",
    "SEND_GROUPS",
    "Rule",
    "code_spans",
    "codes_of",
    "dns_groups",
    "rule_for",
]
