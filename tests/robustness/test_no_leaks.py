"""No leaks: secrets in configs never reach any output format, report URIs are never
contacted, the Public Suffix List is never fetched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aligncheck.cli import main
from aligncheck.report import REPORTERS
from tests.nsd import NsdServer
from tests.relay import relay

SECRET = "sk-live-7f3a9c1e55d04b2b"
CONFIG = f"""
access_token: {SECRET}
sends:
  - from: Shop <shop@example.com>
    envelope: Bounces <bounces@example.com>
    extra:
      x-api-key: {SECRET}
    headers:
      Authorization: Bearer {SECRET}
    data:
      password: {SECRET}
    dsn: {{notify: sometimes, ret: HEADERS}}
  - mime: "From: a@example.com\\r\\nAuthorization: Bearer {SECRET}\\r\\n\\r\\nbody"
    envelope: b@example.com
    template: 12
    unknown_{SECRET[:3]}: {SECRET}
"""


@pytest.mark.parametrize("output_format", sorted(REPORTERS))
def test_secrets_never_appear_in_any_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    path = tmp_path / "sends.yaml"
    path.write_text(CONFIG)
    main(["check", "--offline", "--format", output_format, str(path)])
    out, err = capsys.readouterr()
    assert "AC1" in out or "AC3" in out or "AC4" in out  # the run did report things
    assert SECRET not in out and SECRET not in err


def test_report_uris_are_never_contacted(nsd: NsdServer, tmp_path: Path) -> None:
    nsd.serve(
        {
            ".": [
                '_dmarc.example.com. TXT "v=DMARC1; p=reject; '
                "rua=mailto:agg@reports.collector.net,https://hook.collector.net/r; "
                'ruf=mailto:forensic@reports.collector.net"',
                "example.com. MX 10 mx.example.com.",
                'example.com. TXT "v=spf1 ip4:192.0.2.1 -all"',
            ]
        }
    )
    path = tmp_path / "send.yaml"
    path.write_text("from: a@example.com\nenvelope: b@example.com\n")
    with relay(nsd.port) as counting:
        status = main(
            [
                "check",
                "--nameserver",
                counting.address,
                "--no-cache",
                "--ignore",
                "AC706",
                str(path),
            ]
        )
        asked = set(counting.questions)
    assert status == 0
    assert asked and not any("collector" in name for name, _ in asked)


def test_public_suffix_list_is_never_fetched_nor_tldextract_imported(tmp_path: Path) -> None:
    path = tmp_path / "send.yaml"
    path.write_text("from: a@mail.example.co.uk\nenvelope: b@example.co.uk\n")
    snapshot = tmp_path / "dns.json"
    snapshot.write_text('{"aligncheck_snapshot": 1, "answers": {}}')
    code = (
        "import sys, socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from aligncheck.cli import main\n"
        f"status = main(['check', '--snapshot', {str(snapshot)!r}, {str(path)!r}])\n"
        "print('MODULES', sorted(m for m in ('tldextract', 'requests') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "network used" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "MODULES []"
    assert "AC601" in result.stdout  # the snapshot was consulted, not the network
