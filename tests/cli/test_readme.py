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


def test_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    from aligncheck.config import read_config

    block = README.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "pyproject.toml"
    path.write_text(block)
    values = read_config(path)
    assert values["envelope_domains"] == ("example.com",)
    assert dict(values["severity"])["AC407"].name == "ERROR"


def test_readme_hooks_exist() -> None:
    import yaml

    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        assert f"id: {hook['id']}" in README
