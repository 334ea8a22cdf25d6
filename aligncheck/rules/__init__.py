"""The rule registry: every rule of the catalogue, and the checks that run on each send."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aligncheck.findings import Problem
from aligncheck.rules import (
    author,
    deliverability,
    dsn,
    envelope,
    lookups,
    organization,
    policy,
)
from aligncheck.rules import input as input_rules
from aligncheck.rules.base import Rule
from aligncheck.send import Send

SendCheck = Callable[[Send], Iterable[Problem]]

_GROUPS = (input_rules, author, envelope, deliverability, organization, dsn, policy, lookups)
RULES: dict[str, Rule] = dict(
    sorted((rule.code, rule) for module in _GROUPS for rule in module.RULES)
)
CODE_BY_NAME: dict[str, str] = {rule.name: rule.code for rule in RULES.values()}

# Checks that judge a send on its own, without DNS.
SEND_CHECKS: tuple[SendCheck, ...] = (
    input_rules.check,
    author.check,
    envelope.check,
    dsn.check,
)


OFF_BY_DEFAULT: frozenset[str] = frozenset(
    code for code, rule in RULES.items() if not rule.default_enabled
)
DNS_CODES: tuple[str, ...] = tuple(code for code, rule in RULES.items() if rule.needs_dns)


def lookup(code_or_name: str) -> Rule | None:
    """A rule by code (any case) or name."""
    code = CODE_BY_NAME.get(code_or_name.lower(), code_or_name.upper())
    return RULES.get(code)


__all__ = ["CODE_BY_NAME", "DNS_CODES", "OFF_BY_DEFAULT", "RULES", "SEND_CHECKS", "Rule", "lookup"]
