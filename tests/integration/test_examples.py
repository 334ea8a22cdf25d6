"""The bundled examples: the README's first command, and a snapshot that matches its zone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aligncheck.cli import main
from tests.nsd import NsdServer, zone_file_records

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"


def test_shipped_snapshot_matches_the_example_zone(
    nsd: NsdServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    nsd.serve({".": zone_file_records(EXAMPLES / "dns" / "examples.zone")})
    status = main(
        [
            "snapshot",
            "--check",
            "examples/dns/snapshot.json",
            "--nameserver",
            nsd.address,
            "examples/",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out


def test_readme_first_command_shows_dmarc_findings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    status = main(
        ["check", "--snapshot", "examples/dns/snapshot.json", "--format", "json", "examples/"]
    )
    document = json.loads(capsys.readouterr().out)
    assert status == 1
    found = {(f["path"], f["rule"], f["severity"]) for f in document["findings"]}
    assert {
        ("examples/brands.yaml", "AC301", "error"),  # misaligned under p=reject, and strict
        ("examples/brands.yaml", "AC506", "warning"),  # the models disagree
        ("examples/brands.yaml", "AC302", "error"),
        ("examples/brands.yaml", "AC500", "warning"),
        ("examples/dsn-mistakes.yaml", "AC401", "error"),
    } <= found
    assert not any(f["rule"] in ("AC600", "AC601") for f in document["findings"])
    assert document["summary"]["files"] == 5
    clean = [
        f
        for f in document["findings"]
        if f["path"] in ("examples/welcome.yaml", "examples/order-confirmation.json")
    ]
    assert clean == []
