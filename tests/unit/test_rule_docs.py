"""Every rule's documented examples are honest: the failing one fires it, the passing one not."""

from __future__ import annotations

from pathlib import Path

import pytest

from aligncheck.rules import RULES
from tests.helpers import codes, lint_text

OFFLINE = [rule for rule in RULES.values() if not rule.needs_dns]


def test_every_rule_is_documented() -> None:
    for rule in RULES.values():
        assert rule.summary and rule.description and rule.failing and rule.passing, rule.code
        assert rule.name == rule.name.lower() and " " not in rule.name


@pytest.mark.parametrize("rule", OFFLINE, ids=[r.code for r in OFFLINE])
def test_offline_examples(tmp_path: Path, rule: object) -> None:
    from aligncheck.rules.base import Rule

    assert isinstance(rule, Rule)
    assert rule.code in codes(lint_text(tmp_path, rule.failing))
    assert rule.code not in codes(lint_text(tmp_path, rule.passing))
