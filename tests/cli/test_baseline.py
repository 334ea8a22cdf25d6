"""Baselines: `--write-baseline` records today's findings, `--baseline` (or the `baseline` key)
hides them and only them, surviving lines moving and sends being inserted, counting findings
alike, and saying which entries no longer occur."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aligncheck.cli import main

SENDS = """\
sends:
  - from: a@example.com
    envelope: b@example.com
    dsn: {notify: failure}
  - from: c@example.com
    envelope: d@example.com
    dsn: {ret: hdrs}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["check", "--offline", "--format", "json", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def rules(out: str) -> list[tuple[str, int]]:
    return [(f["rule"], f["line"]) for f in json.loads(out)["findings"]]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sends").mkdir()
    (tmp_path / "sends" / "a.yaml").write_text(SENDS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_written_sorted_relative_and_hiding_everything(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "--write-baseline", "baseline.json", "sends/")
    assert status == 0 and out == ""
    assert "wrote 2 baseline entries (2 findings)" in err
    text = (repo / "baseline.json").read_text()
    document = json.loads(text)
    entries = document["findings"]
    assert [(e["path"], e["rule"], e["count"]) for e in entries] == [
        ("sends/a.yaml", "AC403", 1),
        ("sends/a.yaml", "AC403", 1),
    ]
    assert entries == sorted(entries, key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    assert len(text.splitlines()) == 7  # one entry a line: diffs well
    status, out, err = run(capsys, "--baseline", "baseline.json", "sends/")
    assert status == 0 and rules(out) == []
    assert "2 known findings not shown" in err and "no longer occur" not in err
    # the same file from another directory, named another way
    status, out, _ = run(capsys, "--baseline", str(repo / "baseline.json"), str(repo / "sends"))
    assert rules(out) == []


def test_survives_lines_moving_and_sends_inserted_and_catches_new_ones(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "--write-baseline", "baseline.json", "sends/")
    moved = SENDS.replace(
        "sends:\n",
        "# a comment\n\nsends:\n  - from: new@example.com\n    envelope: new@example.com\n",
    )
    (repo / "sends" / "a.yaml").write_text(moved)
    status, out, _ = run(capsys, "--baseline", "baseline.json", "sends/")
    assert status == 0 and rules(out) == []
    # a new mistake is reported, even one of a rule the baseline holds
    (repo / "sends" / "a.yaml").write_text(
        moved + "  - from: e@example.com\n    dsn: {ret: full}\n"
    )
    status, out, _ = run(capsys, "--baseline", "baseline.json", "sends/")
    found = rules(out)
    assert ("AC403", 13) in found and all(line == 13 for _, line in found)
    assert status == 0  # warnings and info only


def test_findings_alike_are_counted(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "sends" / "a.yaml").write_text("- from: a@example.com\n  dsn: {notify: failure}\n")
    run(capsys, "--write-baseline", "baseline.json", "sends/")
    (repo / "sends" / "a.yaml").write_text(
        "- from: a@example.com\n  dsn: {notify: failure}\n"
        "- from: a@example.com\n  dsn: {notify: failure}\n"
    )
    _, out, _ = run(capsys, "--baseline", "baseline.json", "--select", "AC403", "sends/")
    assert rules(out) == [("AC403", 4)]  # the second one is new


def test_entries_that_no_longer_occur_are_counted(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "--write-baseline", "baseline.json", "sends/")
    (repo / "sends" / "a.yaml").write_text(SENDS.replace("failure", "FAILURE"))
    (repo / "sends" / "b.yaml").write_text(SENDS)
    _, out, err = run(capsys, "--baseline", "baseline.json", "sends/a.yaml")
    assert rules(out) == []
    assert "1 known finding not shown; 1 entry no longer occur" in err
    # a run that does not check the file says nothing of its entries (pre-commit)
    _, _, err = run(capsys, "--baseline", "baseline.json", "sends/b.yaml")
    assert "no longer" not in err


def test_configured_baseline_is_relative_to_the_configuration(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".aligncheck.toml").write_text('baseline = "baseline.json"\n')
    run(capsys, "--write-baseline", "baseline.json", "sends/")  # writing ignores `baseline`
    monkeypatch.chdir(repo / "sends")
    status, out, _ = run(capsys, "a.yaml")
    assert status == 0 and rules(out) == []


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "cannot read the baseline"),
        ("{not json", "is not JSON"),
        ('{"version": 7}', "is not an aligncheck baseline"),
        ('{"version": 1, "findings": [{"path": "x"}]}', "malformed entry"),
    ],
)
def test_bad_baseline_is_one_line(
    repo: Path, capsys: pytest.CaptureFixture[str], content: str | None, said: str
) -> None:
    if content is not None:
        (repo / "baseline.json").write_text(content)
    status, out, err = run(capsys, "--baseline", "baseline.json", "sends/")
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and said in err


def test_rules_that_did_not_run_are_not_stale(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An entry of a rule this run did not run (deselected, or a DNS rule offline) may still
    occur: it is not called stale."""
    run(capsys, "--write-baseline", "baseline.json", "sends/")
    _, out, err = run(capsys, "--baseline", "baseline.json", "--ignore", "AC403", "sends/")
    assert rules(out) == [] and "no longer occur" not in err
    entry = {"path": "sends/a.yaml", "rule": "AC500", "fingerprint": "0" * 16, "count": 1}
    document = json.loads((repo / "baseline.json").read_text())
    document["findings"] += [entry, {**entry, "rule": "AC999"}]  # and a code no rule has
    (repo / "baseline.json").write_text(json.dumps(document))
    _, _, err = run(capsys, "--baseline", "baseline.json", "sends/")  # --offline: AC500 off
    assert "no longer occur" not in err
