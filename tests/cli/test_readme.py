"""The README tells the truth about the rules and the two commands."""

from __future__ import annotations

from pathlib import Path

from aligncheck.rules import RULES

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_rule_with_its_name() -> None:
    for rule in RULES.values():
        assert f"| {rule.code} | {rule.name} |" in README, rule.code


def test_readme_starts_with_the_two_commands() -> None:
    head = README[: README.index("## Usage")]
    assert "aligncheck check" in head and "examples/" in head
    assert "scripts/test" in head
