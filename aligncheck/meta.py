"""Where users find the documentation a report links to."""

from __future__ import annotations

HOMEPAGE = "https://github.com/aligncheck/aligncheck"
RULES_DOC = f"{HOMEPAGE}/blob/main/docs/rules.md"


def rule_url(code: str, name: str) -> str:
    """The anchor of a rule in docs/rules.md (`aligncheck rules --format markdown` writes it)."""
    return f"{RULES_DOC}#{code.lower()}-{name}"
