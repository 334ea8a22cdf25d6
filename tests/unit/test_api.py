"""The Python API of spec §6."""

from __future__ import annotations

import dataclasses

import pytest

from aligncheck import Finding, Settings, Severity, check_send


def test_check_send_on_a_mapping() -> None:
    findings = check_send(
        {"from": "info@example.com", "envelope": "<b@example.com>", "dsn": {"ret": "FULL"}},
        Settings(offline=True),
    )
    assert [(f.rule, f.severity, f.send, f.path) for f in findings] == [
        ("AC300", Severity.ERROR, 0, "<send>"),
        ("AC407", Severity.INFO, 0, "<send>"),
    ]


def test_check_send_takes_the_cli_settings() -> None:
    findings = check_send(
        {"from": "a@x.com", "dsn": {"ret": "FULL"}}, Settings(ignore=("AC4",), offline=True)
    )
    assert findings == []


def test_finding_is_immutable() -> None:
    [finding] = check_send({"from": "a@x.com", "envelope": "b"}, Settings(offline=True))
    assert isinstance(finding, Finding)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.line = 3  # type: ignore[misc]
