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


@pytest.mark.parametrize(
    ("command", "selection"),
    [
        ("check", ()),
        ("audit", ()),
        # a selection decides what a live run asks; a snapshot holds every answer, and its
        # run must still judge only with what the live run would have asked (the outcomes of
        # `--ignore AC7,AC8` read SPF from a snapshot: `pass (SPF, DKIM)` against `pass (DKIM)`)
        ("check", ("--ignore", "AC7,AC8")),
        ("check", ("--select", "AC302")),
        ("check", ("--select", "AC8")),
    ],
)
def test_live_dns_judges_as_the_snapshot_does(
    nsd: NsdServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    selection: tuple[str, ...],
) -> None:
    """A live run judges with the state its last round of DNS questions already made; a
    snapshot run makes it afresh. Both must say the same of every send."""
    monkeypatch.chdir(ROOT)
    nsd.serve({".": zone_file_records(EXAMPLES / "dns" / "examples.zone")})
    common = [command, "--format", "json", *selection, "examples/"]
    live_status = main([*common, "--nameserver", nsd.address, "--no-cache"])
    live = json.loads(capsys.readouterr().out)
    snapshot_status = main([*common, "--snapshot", "examples/dns/snapshot.json"])
    snapshot = json.loads(capsys.readouterr().out)
    assert live_status == snapshot_status == 1
    for document in (live, snapshot):
        document.pop("summary", None)  # the live run counts the questions it sent
    assert live == snapshot


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
        ("examples/brands.yaml", "AC706", "warning"),  # SPF fails, DKIM carries DMARC
        ("examples/brands.yaml", "AC301", "warning"),  # misaligned, DKIM carries DMARC
        ("examples/brands.yaml", "AC802", "error"),  # a revoked key
        ("examples/brands.yaml", "AC803", "warning"),  # a 1024-bit key
        ("examples/brands.yaml", "AC804", "warning"),  # a key in testing mode
        ("examples/dsn-mistakes.yaml", "AC401", "error"),
    } <= found
    assert not any(f["rule"] in ("AC600", "AC601") for f in document["findings"])
    outcomes = {
        (s["line"], s["outcome"]["rfc7489"])
        for s in document["sends"]
        if s["path"] == "examples/brands.yaml"
    }
    assert outcomes == {
        (5, "pass (SPF, DKIM)"),
        (12, "pass (DKIM)"),  # the ESP envelope, carried by DKIM
        (19, "fail"),  # misaligned under aspf=s, and a revoked key
        (28, "pass (DKIM)"),  # SPF fails, the 1024-bit key still verifies
        (36, "pass (SPF, DKIM)"),  # no envelope: the profile's bounce host
        (43, "fail"),  # SPF fails and the key is in testing mode
    }
    assert document["summary"]["files"] == 5

    clean = [
        f
        for f in document["findings"]
        if f["path"] in ("examples/welcome.yaml", "examples/order-confirmation.json")
    ]
    assert clean == []


def test_serving_a_zone_file_stops_nsd_on_sigterm(tmp_path: Path) -> None:
    """The README's background NSD (`python -m tests.nsd ... &`, then `kill %1`): NSD stops
    with it, and its working directory goes."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.nsd import free_port

    root = Path(__file__).parents[2]
    command = [sys.executable, "-m", "tests.nsd", "examples/dns/examples.zone"]
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    with subprocess.Popen(
        [*command, "--port", str(free_port())],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    ) as server:
        try:
            assert server.stdout is not None
            assert "serving" in server.stdout.readline()
            children = _children(server.pid)
            assert children, "NSD runs as a child of the serving process"
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=15)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(_alive(pid) for pid in children):
                time.sleep(0.1)
            assert not any(_alive(pid) for pid in children), "NSD was orphaned"
            assert list(tmp_path.iterdir()) == []
        finally:
            if server.poll() is None:
                server.kill()


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # state, ppid, ... after "(comm)"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == str(pid):
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie has exited already
