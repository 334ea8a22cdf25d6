"""Shared test helpers: run aligncheck on text and compare findings as (code, line, column)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aligncheck import Finding, Settings, check_paths

OFFLINE = Settings(offline=True)


def lint_text(
    tmp_path: Path, text: str, name: str = "send.yaml", settings: Settings | None = None
) -> list[Finding]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return list(check_paths([str(path)], settings or OFFLINE).findings)


def located(findings: list[Finding]) -> list[tuple[str, int, int]]:
    return [(f.rule, f.line, f.column) for f in findings]


def codes(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def calls_of(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, argument: int) -> list[Any]:
    """`owner.name` replaced by itself, counted: the list gets the given positional argument
    of each call (what a test of a copy kept between runs checks was not worked out again)."""
    calls: list[Any] = []
    real = getattr(owner, name)

    def counting(*args: Any) -> Any:
        calls.append(args[argument])
        return real(*args)

    monkeypatch.setattr(owner, name, counting)
    return calls


def unwritable_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ALIGNCHECK_CACHE_DIR under a plain file: nothing can be kept there."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("ALIGNCHECK_CACHE_DIR", str(blocker / "cache"))
