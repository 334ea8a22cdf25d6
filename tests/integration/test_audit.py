"""`aligncheck audit`: golden Markdown and JSON of the examples (from their snapshot, so the
same on every machine), the data behind them (totals, what to fix first, findings behind a
send), the exit status, offline and stdin runs, and hostile values escaped in Markdown."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from aligncheck.audit.data import OUTCOMES, overall
from aligncheck.cli import main
from tests.integration.test_rule_docs_dns import txt_rdata
from tests.nsd import NsdServer

ROOT = Path(__file__).parents[2]
GOLDEN = ROOT / "tests" / "data" / "audit"
UPDATE = os.environ.get("ALIGNCHECK_UPDATE_GOLDEN") == "1"  # rewrite the golden files


def audit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["audit", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def examples(capsys: pytest.CaptureFixture[str], fmt: str) -> tuple[int, str]:
    status, out, _ = audit(
        capsys, "--snapshot", "examples/dns/snapshot.json", "--format", fmt, "examples/"
    )
    return status, out


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(("fmt", "name"), [("markdown", "examples.md"), ("json", "examples.json")])
def test_golden(capsys: pytest.CaptureFixture[str], fmt: str, name: str) -> None:
    status, out = examples(capsys, fmt)
    assert status == 1  # the examples hold errors, as `check` says
    golden = GOLDEN / name
    if UPDATE:
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_json_agrees_with_check(capsys: pytest.CaptureFixture[str]) -> None:
    """The audit's sends and findings are the check's: every send once, with the outcome
    `check --format json` gives it, and every finding located at a send behind that send."""
    _, out = examples(capsys, "json")
    doc = json.loads(out)
    assert main(
        ["check", "--snapshot", "examples/dns/snapshot.json", "--format", "json", "examples/"]
    )
    checked = json.loads(capsys.readouterr().out)
    sends = {(s["path"], s["send"]): s for d in doc["domains"] for s in d["sends"]}
    assert len(sends) == doc["sends"] == checked["summary"]["sends"] == 15
    for send in checked["sends"]:
        row = sends[(send["path"], send["send"])]
        assert row["outcome"] == send["outcome"]
        assert row["overall"] == overall(list(send["outcome"].values()))
    for finding in checked["findings"]:
        if finding["send"] is None:
            continue
        row = sends[(finding["path"], finding["send"])]
        assert (finding["rule"], finding["message"]) in {
            (f["rule"], f["message"]) for f in row["findings"]
        }
    totals = {name: 0 for name in OUTCOMES}
    for row in sends.values():
        totals[row["overall"]] += 1
    assert doc["totals"] == totals
    for domain in doc["domains"]:
        assert sum(domain["totals"].values()) == len(domain["sends"])
    assert doc["findings"] == {k: checked["summary"][k] for k in ("error", "warning", "info")}


def test_what_to_fix_first_counts_the_failing_sends(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(examples(capsys, "json")[1])
    entries = doc["fix_first"]
    counts = [entry["sends"] for entry in entries]
    assert counts == sorted(counts, reverse=True)
    needing_work = {
        (s["path"], s["send"])
        for d in doc["domains"]
        for s in d["sends"]
        if s["overall"] in ("fail", "unknown")
    }
    for entry in entries:
        behind = {
            (s["path"], s["send"])
            for d in doc["domains"]
            for s in d["sends"]
            if any(
                (f["rule"], f["message"]) == (entry["rule"], entry["message"])
                for f in s["findings"]
            )
        }
        assert entry["sends"] == len(behind & needing_work)
    # the revoked key stands behind the example.net send that fails DMARC
    revoked = next(e for e in entries if e["rule"] == "AC802")
    assert revoked["fail"] == 1


def test_a_finding_reported_once_stands_for_every_send_sharing_it(
    nsd: NsdServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """AC500 is reported at the first send of a file; the audit puts all three behind it."""
    nsd.serve({".": ["calm.example. MX 10 mx.calm.example."]})
    path = tmp_path / "three.yaml"
    path.write_text(
        "- from: a@calm.example\n  envelope: b@calm.example\n"
        "- from: c@calm.example\n  envelope: b@calm.example\n"
        "- from: d@calm.example\n  envelope: b@calm.example\n"
    )
    status, out, _ = audit(
        capsys, "--nameserver", nsd.address, "--no-cache", "--format", "json", str(path)
    )
    doc = json.loads(out)
    (domain,) = doc["domains"]
    assert [s["overall"] for s in domain["sends"]] == ["unknown"] * 3  # no host, no key known
    for send in domain["sends"]:
        assert "AC500" in {f["rule"] for f in send["findings"]}
        assert "AC700" in {f["rule"] for f in send["findings"]}
    missing = next(e for e in doc["fix_first"] if e["rule"] == "AC500")
    assert missing["sends"] == 3 and missing["where"] == [f"{path}:1"]
    assert domain["policy"][0]["effective"] is None
    assert status == 0  # AC500 and AC700 are warnings without a policy: `check` passes too


def check_summary(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, int]:
    """The summary of `check --format json` over the examples."""
    main(
        [
            "check",
            "--snapshot",
            "examples/dns/snapshot.json",
            "--format",
            "json",
            *argv,
            "examples/",
        ]
    )
    summary: dict[str, int] = json.loads(capsys.readouterr().out)["summary"]
    return summary


def test_outcomes_do_not_depend_on_the_rules_selected(capsys: pytest.CaptureFixture[str]) -> None:
    # the audit is about every send's outcome: a selection of DSN rules alone (which read
    # no DNS) narrows the findings, not the outcomes
    _, out = examples(capsys, "json")
    every = json.loads(out)
    _, out, _ = audit(
        capsys,
        "--snapshot",
        "examples/dns/snapshot.json",
        "--format",
        "json",
        "--select",
        "AC4",
        "examples/",
    )
    dsn_only = json.loads(out)
    assert dsn_only["dns"] is True
    assert dsn_only["totals"] == every["totals"] and every["totals"]["unknown"] < 15
    checked = check_summary(capsys, "--select", "AC4")
    assert dsn_only["findings"] == {key: checked[key] for key in ("error", "warning", "info")}


def test_offline_outcomes_are_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = audit(capsys, "--offline", "--format", "json", "examples/")
    doc = json.loads(out)
    assert doc["dns"] is False
    assert doc["totals"]["unknown"] == doc["sends"] == 15
    assert all(d["policy"] == [] for d in doc["domains"])
    assert "offline: DNS rules skipped" in err
    assert status == 1  # offline errors (AC300, AC400, ...) still fail the run


def test_output_file_and_stdin(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "audit.md"
    status, out, _ = audit(capsys, "--offline", "-o", str(target), "examples/welcome.yaml")
    assert status == 0 and out == ""
    assert target.read_text().startswith("# aligncheck audit\n")


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = audit(capsys, "--format", "pdf", "examples/")
    assert status == 2 and len(err.strip().splitlines()) == 1
    status, _, err = audit(capsys, "--snapshot", str(tmp_path / "none.json"), "examples/")
    assert status == 2 and len(err.strip().splitlines()) == 1
    status, _, err = audit(capsys, "--offline", "-o", str(tmp_path / "no" / "dir.md"), "examples/")
    assert status == 2 and err.startswith("aligncheck: error: cannot write")


HOSTILE_DMARC = "v=DMARC1; p=reject; rua=mailto:<script>alert(1)</script>@evil.example"
HOSTILE_SPF = "v=spf1 include:|x|<b>.evil.example -all"


def hostile_zone() -> list[str]:
    return [
        f"_dmarc.evil.example. TXT {txt_rdata(HOSTILE_DMARC)}",
        f"evil.example. TXT {txt_rdata(HOSTILE_SPF)}",
        "evil.example. MX 10 mx.evil.example.",
    ]


HOSTILE_SEND = (
    "from: '\"<script>alert(2)</script> | `x`\" <a@evil.example>'\n"
    "envelope: '\"<img src=x onerror=alert(3)>\" <b@evil.example>'\n"
)


def test_hostile_values_stay_text_in_markdown(
    nsd: NsdServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    nsd.serve({".": hostile_zone()})
    path = tmp_path / "a|<i>.yaml"
    path.write_text(HOSTILE_SEND)
    _, out, _ = audit(capsys, "--nameserver", nsd.address, "--no-cache", str(path))
    assert re.search(r"(?<!\\)<", out) is None  # no tag can open: every `<` escaped
    assert "\\<script\\>" in out and "\\<img src" in out  # shown as text
    tables: list[list[str]] = [[]]
    for line in out.splitlines():
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    for table in filter(None, tables):  # a `|` in a value cannot add a cell
        assert len({row.replace("\\|", "").count("|") for row in table}) == 1, table


def test_a_missing_dkim_key_reads_as_dns_answered(
    nsd: NsdServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The Record cell read `nxdomain`, the answer's internal name."""
    nsd.serve({".": ['_dmarc.brand.example. TXT "v=DMARC1; p=reject"']})
    (tmp_path / ".aligncheck.toml").write_text(
        '[sender-domains."brand.example"]\ndkim-selectors = ["gone"]\n'
    )
    path = tmp_path / "send.yaml"
    path.write_text("from: a@brand.example\nenvelope: b@brand.example\n")
    dns = ["--nameserver", nsd.address, "--no-cache", str(path)]
    _, out, _ = audit(capsys, "--format", "markdown", *dns)
    assert "| gone.\\_domainkey.brand.example | fail | yes | NXDOMAIN |" in out
    _, out, _ = audit(capsys, "--format", "json", *dns)
    [domain] = [d for d in json.loads(out)["domains"] if d["domain"] == "brand.example"]
    [key] = domain["dkim"]
    assert (key["record"], key["answer"]) == (None, "nxdomain")
