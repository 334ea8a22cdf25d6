"""The Python API of spec §6."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from aligncheck import Finding, Settings, Severity, check_paths, check_send


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


def test_a_single_path_or_selector_string(tmp_path: Path) -> None:
    send = tmp_path / "mail.yaml"
    send.write_text("from: a@x.com\ndsn: {ret: FULL}\n")
    by_string = check_paths(str(send), Settings(offline=True))
    by_path = check_paths(send, Settings(offline=True))
    assert [f.rule for f in by_string.findings] == ["AC402", "AC407"]
    assert by_path.findings == by_string.findings
    assert check_paths(str(send), Settings(offline=True, ignore="AC407")).findings == [
        f for f in by_string.findings if f.rule != "AC407"
    ]


@pytest.mark.parametrize(
    ("domains", "normalized"),
    [(("Bücher-Haus.de",), ("xn--bcher-haus-9db.de",)), ("example.com", ("example.com",))],
)
def test_allowed_envelope_domains_are_normalized(
    domains: tuple[str, ...] | str, normalized: tuple[str, ...]
) -> None:
    assert Settings(envelope_domains=domains).envelope_domains == normalized  # type: ignore[arg-type]


@pytest.mark.parametrize("domain", ["not a domain!", "com", "a..b", "-x.de"])
def test_invalid_allowed_envelope_domains(domain: str) -> None:
    with pytest.raises(ValueError, match="envelope-domains"):
        Settings(envelope_domains=(domain,))


def test_an_idna_allow_list_admits_its_own_envelope() -> None:
    settings = Settings(offline=True, select=("AC306",), envelope_domains=("bücher-haus.de",))
    send = {"from": "a@bücher-haus.de", "envelope": "bounce@bücher-haus.de"}
    assert check_send(send, settings) == []
    other = check_send({"from": "a@x.de", "envelope": "b@x.de"}, settings)
    assert [f.rule for f in other] == ["AC306"]
