"""Every rule's documented examples are honest: the failing one fires it, the passing one not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from aligncheck import Settings
from aligncheck.rules import RULES
from aligncheck.rules.base import Rule
from tests.helpers import OFFLINE as OFFLINE_SETTINGS
from tests.helpers import codes, lint_text

OFFLINE = [rule for rule in RULES.values() if not rule.needs_dns]


def test_every_rule_is_documented() -> None:
    for rule in RULES.values():
        assert rule.summary and rule.description and rule.failing and rule.passing, rule.code
        assert rule.name == rule.name.lower() and " " not in rule.name


def example_settings(rule: Rule, base: Settings) -> Settings:
    """The settings a rule's examples are judged with (its options; selected if off)."""
    select = base.select if rule.default_enabled else (*base.select, rule.code)
    return replace(base, select=select, **dict(rule.example_settings))  # type: ignore[arg-type]


@pytest.mark.parametrize("rule", OFFLINE, ids=[r.code for r in OFFLINE])
def test_offline_examples(tmp_path: Path, rule: Rule) -> None:
    settings = example_settings(rule, OFFLINE_SETTINGS)
    assert rule.code in codes(lint_text(tmp_path, rule.failing, settings=settings))
    assert rule.code not in codes(lint_text(tmp_path, rule.passing, settings=settings))


def test_off_by_default_rule_stays_off_unless_selected_exactly(tmp_path: Path) -> None:
    text = RULES["AC305"].failing
    assert "AC305" not in codes(lint_text(tmp_path, text))
    assert "AC305" not in codes(
        lint_text(tmp_path, text, settings=replace(OFFLINE_SETTINGS, select=("AC3",)))
    )
    for selector in ("AC305", "envelope-required"):
        settings = replace(OFFLINE_SETTINGS, select=("AC", selector))
        assert "AC305" in codes(lint_text(tmp_path, text, settings=settings))
