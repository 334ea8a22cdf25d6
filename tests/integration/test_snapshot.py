"""DNS snapshots: record, run offline with identical findings, detect changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aligncheck.cli import main
from tests.nsd import NsdServer

ZONE = [
    '_dmarc.example.com. TXT "v=DMARC1; p=reject"',
    '_dmarc.mail.example.net. TXT "v=DMARC1; p=quarantine; aspf=s"',
    "example.com. MX 10 mx.example.com.",
    "mail.example.net. MX 10 mx.example.net.",
    'example.com. TXT "v=spf1 include:spf1.smtpeter.com -all"',
    'spf1.smtpeter.com. TXT "v=spf1 ip4:192.0.2.0/28 -all"',
]
SENDS = (
    "sends:\n"
    "  - {from: a@example.com, envelope: b@example.com}\n"
    "  - {from: a@mail.example.net, envelope: b@example.com}\n"
    "  - {from: a@example.org, envelope: b@example.org}\n"
)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().out


def recorded_for(
    nsd: NsdServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], sends: str
) -> Path:
    """A snapshot of what `sends` (written to recorded.yaml) needs of ZONE, served by NSD."""
    nsd.serve({".": ZONE})
    recorded = tmp_path / "recorded.yaml"
    recorded.write_text(sends)
    snap = tmp_path / "dns.json"
    status, _ = cli(capsys, "snapshot", "--nameserver", nsd.address, "-o", str(snap), str(recorded))
    assert status == 0
    return snap


def test_round_trip_and_check(
    nsd: NsdServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nsd.serve({".": ZONE})
    config = tmp_path / "sends.yaml"
    config.write_text(SENDS)
    snap = tmp_path / "dns.json"
    live_status, live = cli(
        capsys, "check", "--nameserver", nsd.address, "--format", "json", str(config)
    )
    status, out = cli(capsys, "snapshot", "--nameserver", nsd.address, "-o", str(snap), str(config))
    assert status == 0 and out.startswith("wrote ")
    document = json.loads(snap.read_text())
    assert document["aligncheck_snapshot"] == 1
    assert document["public_suffix_list"].startswith("20")
    assert document["answers"]["_dmarc.example.com TXT"] == {
        "kind": "records",
        "records": ["v=DMARC1; p=reject"],
    }
    assert list(document["answers"]) == sorted(document["answers"])

    nsd.stop()  # no DNS at all from here on
    try:
        offline_status, offline = cli(
            capsys, "check", "--snapshot", str(snap), "--format", "json", str(config)
        )
        assert (offline_status, offline) == (live_status, live)
        assert json.loads(offline)["findings"]  # the run found real things
    finally:
        nsd.start()

    nsd.serve({".": ZONE})
    status, out = cli(
        capsys, "snapshot", "--check", str(snap), "--nameserver", nsd.address, str(config)
    )
    assert status == 0 and "up to date" in out

    changed = [line.replace("p=reject", "p=none") for line in ZONE]
    nsd.serve({".": changed})
    status, out = cli(
        capsys, "snapshot", "--check", str(snap), "--nameserver", nsd.address, str(config)
    )
    assert status == 1
    assert "_dmarc.example.com TXT: v=DMARC1; p=reject -> v=DMARC1; p=none" in out


def test_missing_answers_are_ac601(
    nsd: NsdServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = recorded_for(nsd, tmp_path, capsys, "from: a@example.com\nenvelope: b@example.com\n")
    grown = tmp_path / "grown.yaml"
    grown.write_text("from: a@example.com\nenvelope: b@example.com\n---\nfrom: x@example.org\n")
    status, out = cli(capsys, "check", "--snapshot", str(snap), "--format", "json", str(grown))
    findings = json.loads(out)["findings"]
    assert status == 1
    assert {(f["rule"], f["send"]) for f in findings} == {("AC601", 1)}


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot read"),
        ("{", "not valid JSON"),
        ('{"answers": {}}', "not an aligncheck"),
        ('{"aligncheck_snapshot": 1, "answers": []}', "has no `answers` mapping"),
        (
            '{"aligncheck_snapshot": 1, "answers": {"TXT": {"kind": "nodata"}}}',
            "malformed answer `TXT`",
        ),
        (
            '{"aligncheck_snapshot": 1, "answers": {"a.example TXT": {"kind": "maybe"}}}',
            "malformed answer `a.example TXT`",
        ),
        (
            '{"aligncheck_snapshot": 1, "answers": {"a.example TXT": '
            '{"kind": "records", "records": [1]}}}',
            "malformed records for `a.example TXT`",
        ),
    ],
)
def test_bad_snapshot_is_one_line_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, fragment: str
) -> None:
    snap = tmp_path / "dns.json"
    if content is not None:
        snap.write_text(content)
    config = tmp_path / "send.yaml"
    config.write_text("from: a@example.com\n")
    assert main(["check", "--snapshot", str(snap), str(config)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1


def test_a_failure_of_a_reason_this_version_does_not_know_reads_as_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = tmp_path / "dns.json"
    failed = {"kind": "failure", "error": "gave up", "reason": "from-the-future"}
    snap.write_text(
        json.dumps({"aligncheck_snapshot": 1, "answers": {"_dmarc.example.com TXT": failed}})
    )
    config = tmp_path / "send.yaml"
    config.write_text("from: a@example.com\n")
    status, out = cli(capsys, "check", "--snapshot", str(snap), "--format", "json", str(config))
    [finding] = [f for f in json.loads(out)["findings"] if f["rule"] == "AC600"]
    assert "gave up" in finding["message"]
    assert status == 1


def test_snapshot_check_names_answers_gone_and_answers_new(
    nsd: NsdServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = recorded_for(nsd, tmp_path, capsys, "from: a@example.com\n")
    config = tmp_path / "recorded.yaml"
    document = json.loads(snap.read_text())
    document["answers"]["gone.example.com TXT"] = {"kind": "nodata"}
    del document["answers"]["_dmarc.example.com TXT"]
    snap.write_text(json.dumps(document))
    status, out = cli(
        capsys, "snapshot", "--check", str(snap), "--nameserver", nsd.address, str(config)
    )
    assert status == 1
    assert "gone.example.com TXT: no longer needed (was nodata)" in out
    assert "_dmarc.example.com TXT: missing from the snapshot (now v=DMARC1; p=reject)" in out


def test_snapshot_honours_the_configuration_file(
    nsd: NsdServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nsd.serve({".": ZONE})
    (tmp_path / ".aligncheck.toml").write_text(f'nameservers = ["{nsd.address}"]\n')
    (tmp_path / "sends.yaml").write_text(SENDS)
    monkeypatch.chdir(tmp_path)
    status, out = cli(capsys, "snapshot", "-o", "dns.json", "sends.yaml")
    assert status == 0, out
    answers = json.loads((tmp_path / "dns.json").read_text())["answers"]
    assert answers["_dmarc.example.com TXT"]["records"] == ["v=DMARC1; p=reject"]
    # --isolated ignores the file: the system resolver is asked instead (here: none usable)
    monkeypatch.setenv("ALIGNCHECK_RESOLV_CONF", str(tmp_path / "absent.conf"))
    status = main(["snapshot", "--isolated", "-o", "other.json", "sends.yaml"])
    assert status == 2
    assert "no nameserver in" in capsys.readouterr().err


def test_the_command_line_beats_a_configured_snapshot(
    nsd: NsdServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nsd.serve({".": ZONE})
    (tmp_path / ".aligncheck.toml").write_text('snapshot = "absent.json"\n')
    (tmp_path / "sends.yaml").write_text(SENDS)
    monkeypatch.chdir(tmp_path)
    # the configured snapshot is used (and is missing)
    assert main(["check", "sends.yaml"]) == 2
    assert "absent.json" in capsys.readouterr().err
    # --nameserver on the command line means live DNS
    live = main(["check", "--nameserver", nsd.address, "--format", "json", "sends.yaml"])
    assert live == 1 and json.loads(capsys.readouterr().out)["findings"]
    # --no-snapshot with --offline: no DNS at all
    assert main(["check", "--no-snapshot", "--offline", "sends.yaml"]) == 0
    assert "offline: DNS rules skipped" in capsys.readouterr().err


def test_a_directory_s_other_files_are_left_out_as_check_leaves_them_out(
    nsd: NsdServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the snapshot of a directory reads its files as found there, not as if each were named:
    # an Ansible task list is no send, a lock file is not even read
    nsd.serve({".": ZONE})
    (tmp_path / "sends.yaml").write_text(SENDS)
    (tmp_path / "tasks.yml").write_text("- name: config\n  template: {src: a.j2, dest: /a}\n")
    (tmp_path / "package-lock.json").write_text('{"from": "a@example.com"}')
    status, out = cli(
        capsys,
        "snapshot",
        "--nameserver",
        nsd.address,
        "-o",
        str(tmp_path / "dns.json"),
        str(tmp_path),
    )
    assert status == 0
    assert out.endswith(" answers for 3 sends to " + str(tmp_path / "dns.json") + "\n")
