"""What a rule is: a documented unit with a code, a name and a default severity."""

from __future__ import annotations

from dataclasses import dataclass

from aligncheck.findings import Severity


@dataclass(frozen=True)
class Rule:
    """A rule of the catalogue (spec §3).

    `failing` and `passing` are example send configurations (YAML); the test suite runs them,
    so the documentation cannot drift from what the rule does. `dns` holds the DMARC records
    (as `name: TXT value` lines) an example needs, for rules that need DNS.
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
