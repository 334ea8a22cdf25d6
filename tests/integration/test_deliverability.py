"""AC302: envelope domains that cannot receive bounces, against NSD."""

from __future__ import annotations

from pathlib import Path

import pytest

from aligncheck import Settings, check_paths
from tests.nsd import BROKEN, NsdServer

ROOT = [
    '_dmarc.example.com. TXT "v=DMARC1; p=reject"',
    "mx.example.com. MX 10 mail.example.com.",
    "null.example.com. MX 0 .",
    "a-only.example.com. A 192.0.2.10",
    "v6-only.example.com. AAAA 2001:db8::10",
    'txt-only.example.com. TXT "hello"',
    "alias.example.com. CNAME mx.example.com.",
    "dangling.example.com. CNAME gone.example.com.",
]


@pytest.fixture(scope="module")
def server(nsd: NsdServer) -> NsdServer:
    nsd.serve({".": ROOT, "broken.example.com": [BROKEN]})
    return nsd


@pytest.mark.parametrize(
    ("envelope_domain", "expected"),
    [
        ("mx.example.com", None),
        ("a-only.example.com", None),
        ("v6-only.example.com", None),
        ("alias.example.com", None),
        ("null.example.com", "null MX"),
        ("txt-only.example.com", "no MX and no A/AAAA"),
        ("nowhere.example.com", "NXDOMAIN"),
        ("dangling.example.com", "NXDOMAIN"),
    ],
)
def test_envelope_deliverability(
    server: NsdServer, tmp_path: Path, envelope_domain: str, expected: str | None
) -> None:
    path = tmp_path / "send.yaml"
    path.write_text(f"from: info@example.com\nenvelope: bounces@{envelope_domain}\n")
    settings = Settings(nameservers=(server.address,), select=("AC302", "AC6"))
    findings = list(check_paths([str(path)], settings).findings)
    if expected is None:
        assert findings == []
    else:
        [finding] = findings
        assert (finding.rule, finding.line, finding.column) == ("AC302", 2, 11)
        assert expected in finding.message


def test_failed_mx_lookup_is_ac600(server: NsdServer, tmp_path: Path) -> None:
    path = tmp_path / "send.yaml"
    path.write_text("from: info@example.com\nenvelope: bounces@broken.example.com\n")
    settings = Settings(nameservers=(server.address,), select=("AC302", "AC6"))
    [finding] = check_paths([str(path)], settings).findings
    assert finding.rule == "AC600"
    assert "deliverability check" in finding.message
