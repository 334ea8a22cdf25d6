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


def test_readme_configuration_examples_are_valid(tmp_path: Path) -> None:
    """Every TOML block of the README is a configuration aligncheck reads without error."""
    from aligncheck.config import read_config

    blocks = [part.split("```", 1)[0] for part in README.split("```toml\n")[1:]]
    read = []
    for number, block in enumerate(blocks):
        name = "pyproject.toml" if "[tool.aligncheck]" in block else ".aligncheck.toml"
        path = tmp_path / str(number) / name
        path.parent.mkdir()
        path.write_text(block)
        read.append(read_config(path))
    configuration = next(v for v in read if "envelope_domains" in v)
    assert configuration["envelope_domains"] == ("example.com",)
    assert dict(configuration["severity"])["AC407"].name == "ERROR"
    profiles = next(v for v in read if "sender_domains" in v)
    [profile] = profiles["sender_domains"]
    assert (profile.domain, profile.bounce_host, profile.ips) == (
        "example.com",
        "bounces.example.com",
        ("192.0.2.10",),
    )


def test_readme_hooks_exist() -> None:
    import yaml

    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        assert f"id: {hook['id']}" in README
