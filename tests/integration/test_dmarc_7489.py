"""DMARC discovery and alignment under RFC 7489 against a real DNS server (NSD)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from aligncheck import Finding, Settings, check_paths
from aligncheck.cli import main
from tests.nsd import BROKEN, NsdServer, free_port
from tests.relay import relay

ROOT = [
    '_dmarc.strict.com. TXT "v=DMARC1; p=reject; aspf=s"',
    '_dmarc.relaxed.com. TXT "v=DMARC1; p=reject"',
    '_dmarc.brand.co.uk. TXT "v=DMARC1; p=reject"',
    '_dmarc.parent.com. TXT "v=DMARC1; p=none; sp=reject"',
    '_dmarc.twice.com. TXT "v=DMARC1; p=reject"',
    '_dmarc.twice.com. TXT "v=DMARC1; p=none"',
    '_dmarc.mixed.com. TXT "google-site-verification=abc123"',
    '_dmarc.mixed.com. TXT "v=DMARC1; p=reject; aspf=s"',
    '_dmarc.split.com. TXT "v=DMARC1; p=rej" "ect; aspf=s"',
    '_dmarc.nearmiss.com. TXT "v=dmarc1; p=reject"',
    '_dmarc.badp-rua.com. TXT "v=DMARC1; p=rejekt; rua=mailto:d@badp-rua.com"',
    '_dmarc.badp.com. TXT "v=DMARC1; p=rejekt"',
    '_dmarc.badaspf.com. TXT "v=DMARC1; p=reject; aspf=x"',
    '_dmarc.testing.com. TXT "v=DMARC1; p=quarantine; t=y"',
    '_dmarc.quarantine.com. TXT "v=DMARC1; p=quarantine"',
    '_dmarc.monitor.com. TXT "v=DMARC1; p=none"',
    '_dmarc.xn--bcher-kva.com. TXT "v=DMARC1; p=reject; aspf=s"',
    '_DMARC.UPPER.COM. TXT "v=DMARC1; P=REJECT; ASPF=S"',
    '_dmarc.historic.com. TXT "v=DMARC1; p=reject; pct=50; ri=3600"',
    '_dmarc.alice.blogspot.com. TXT "v=DMARC1; p=reject"',
    '_dmarc.nop.com. TXT "v=DMARC1; rua=mailto:d@nop.com"',
    '_dmarc.nop-norua.com. TXT "v=DMARC1; aspf=s"',
    '_dmarc.badhistoric.com. TXT "v=DMARC1; p=reject; pct=; rf=invalid"',
    '_dmarc.duprua.com. TXT "v=DMARC1; p=bogus; rua=mailto:a@b.org; rua=mailto:c@d.org"',
    '_dmarc.quoted.com. TXT "\\"v=DMARC1; p=reject\\""',
    '_dmarc.pasted.com. TXT "_dmarc.pasted.com text = \\"v=DMARC1; p=reject\\""',
    '_dmarc.typo.com. TXT "v=DMARC1; p=reject; apsf=s"',
]
ZONES = {".": ROOT, "servfail.com": [BROKEN]}


@pytest.fixture(scope="module")
def server(nsd: NsdServer) -> NsdServer:
    nsd.serve(ZONES)
    return nsd


def lint(
    server: NsdServer, tmp_path: Path, author: str, envelope: str | None, model: str = "rfc7489"
) -> list[Finding]:
    lines = [f"from: {author}"] + ([f"envelope: {envelope}"] if envelope else [])
    path = tmp_path / "send.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = Settings(
        nameservers=(server.address,), model=model, dns_timeout=2.0, ignore=("AC302", "AC7")
    )
    return list(check_paths([str(path)], settings).findings)


def summary(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.rule, str(f.severity)) for f in findings)


CASES = [
    # strict vs relaxed
    ("info@strict.com", "b@bounce.strict.com", [("AC301", "error")]),
    ("info@strict.com", "b@strict.com", []),
    ("info@relaxed.com", "b@bounce.relaxed.com", []),
    ("info@relaxed.com", "b@other.net", [("AC301", "error")]),
    ("info@strict.com", "b@other.net", [("AC301", "error")]),
    # multi-label public suffixes: a "last two labels" shortcut would call these aligned
    ("info@brand.co.uk", "b@other.co.uk", [("AC301", "error")]),
    ("info@a.b.brand.co.uk", "b@brand.co.uk", []),
    # the record only at the org domain: sp applies to the subdomain author
    ("info@news.parent.com", "b@elsewhere.net", [("AC301", "error")]),
    ("info@parent.com", "b@elsewhere.net", [("AC301", "warning"), ("AC504", "info")]),
    # several records: RFC 7489 applies no DMARC
    (
        "info@twice.com",
        "b@elsewhere.net",
        [("AC301", "warning"), ("AC500", "warning"), ("AC502", "error")],
    ),
    # a DMARC record beside an unrelated TXT record; a record split over strings
    ("info@mixed.com", "b@bounce.mixed.com", [("AC301", "error")]),
    ("info@split.com", "b@bounce.split.com", [("AC301", "error")]),
    # near miss
    ("info@nearmiss.com", "b@nearmiss.com", [("AC500", "warning"), ("AC503", "error")]),
    # invalid p with and without a valid rua
    ("info@badp-rua.com", "b@badp-rua.com", [("AC501", "error"), ("AC504", "info")]),
    ("info@badp.com", "b@badp.com", [("AC500", "warning"), ("AC501", "error")]),
    # invalid aspf: receivers use the default, relaxed
    ("info@badaspf.com", "b@bounce.badaspf.com", [("AC501", "error")]),
    # IDN author and envelope (U-labels in the config, A-labels in the zone)
    ("info@bücher.com", "b@bounce.bücher.com", [("AC301", "error")]),
    ("info@bücher.com", "b@BÜCHER.com", []),
    # upper case in the zone's owner names and tag values
    ("info@upper.com", "b@bounce.upper.com", [("AC301", "error")]),
    # AC301 severity follows the effective policy
    ("info@quarantine.com", "b@other.net", [("AC301", "error")]),
    ("info@monitor.com", "b@other.net", [("AC301", "warning"), ("AC504", "info")]),
    ("info@norecord.com", "b@other.net", [("AC301", "warning"), ("AC500", "warning")]),
    # RFC 7489 receivers do not know t=y: quarantine stays quarantine
    ("info@testing.com", "b@other.net", [("AC301", "error")]),
    ("info@historic.com", "b@historic.com", [("AC505", "info")]),
    # no p: p=none with a valid rua, else no policy; both are AC501
    ("info@nop.com", "b@nop.com", [("AC501", "error"), ("AC504", "info")]),
    ("info@nop-norua.com", "b@nop-norua.com", [("AC500", "warning"), ("AC501", "error")]),
    # invalid historic values: AC501 and still AC505
    ("info@badhistoric.com", "b@badhistoric.com", [("AC501", "error"), ("AC505", "info")]),
    # a duplicated rua keeps nothing: no policy
    ("info@duprua.com", "b@duprua.com", [("AC500", "warning"), ("AC501", "error")]),
    # DMARC1 elsewhere in the text: near misses
    ("info@quoted.com", "b@quoted.com", [("AC500", "warning"), ("AC503", "error")]),
    ("info@pasted.com", "b@pasted.com", [("AC500", "warning"), ("AC503", "error")]),
    # a misspelt tag: ignored, so aspf stays relaxed and the subdomain aligns
    ("info@typo.com", "b@bounce.typo.com", [("AC507", "warning")]),
]


@pytest.mark.parametrize(
    ("author", "fragment"),
    [
        ("info@nop.com", "tag `p` is missing"),
        ("info@nop.com", "read it as `p=none`"),
        ("info@nop-norua.com", "read it as no DMARC policy"),
        ("info@quoted.com", "literal quotes"),
        ("info@pasted.com", "resolver output"),
        ("info@typo.com", "did you mean `aspf`?"),
        (
            "info@historic.com",
            "historic tags `pct` and `ri`: RFC 9989 receivers ignore them; pct=50",
        ),
    ],
)
def test_record_diagnostics_say_what_and_why(
    server: NsdServer, tmp_path: Path, author: str, fragment: str
) -> None:
    messages = [f.message for f in lint(server, tmp_path, author, None)]
    assert any(fragment in message for message in messages), messages


@pytest.mark.parametrize(("author", "envelope", "expected"), CASES)
def test_rfc7489_alignment(
    server: NsdServer,
    tmp_path: Path,
    author: str,
    envelope: str,
    expected: list[tuple[str, str]],
) -> None:
    assert summary(lint(server, tmp_path, author, envelope)) == expected


@pytest.mark.parametrize(("private", "expected"), [(True, [("AC301", "error")]), (False, [])])
def test_private_psl_suffixes_decide_relaxed_alignment(
    server: NsdServer, tmp_path: Path, private: bool, expected: list[tuple[str, str]]
) -> None:
    path = tmp_path / "send.yaml"
    path.write_text("from: alice@alice.blogspot.com\nenvelope: b@bob.blogspot.com\n")
    settings = Settings(
        nameservers=(server.address,), model="rfc7489", psl_private=private, ignore=("AC302", "AC7")
    )
    assert summary(list(check_paths([str(path)], settings).findings)) == expected


def test_t_y_demotes_under_rfc9989(server: NsdServer, tmp_path: Path) -> None:
    findings = lint(server, tmp_path, "info@testing.com", "b@other.net", model="rfc9989")
    assert summary(findings) == [("AC301", "warning"), ("AC504", "info")]


def test_ac301_message_names_mode_org_domains_and_record(server: NsdServer, tmp_path: Path) -> None:
    [finding] = lint(server, tmp_path, "info@brand.co.uk", "b@other.co.uk")
    assert finding.message == (
        "envelope domain `other.co.uk` is not aligned with author domain `brand.co.uk`: "
        "rfc7489: aspf=r (relaxed) needs the same organizational domain: `other.co.uk` vs "
        "`brand.co.uk`, policy reject (_dmarc.brand.co.uk)"
    )


def test_ac501_says_how_receivers_read_the_record(server: NsdServer, tmp_path: Path) -> None:
    findings = lint(server, tmp_path, "info@badp-rua.com", "b@badp-rua.com")
    assert findings[0].message.endswith(
        "rfc7489 receivers read it as `p=none` (a valid `rua` URI keeps the record)"
    )


def test_aspf_s_without_envelope_is_ac304(server: NsdServer, tmp_path: Path) -> None:
    assert summary(lint(server, tmp_path, "info@strict.com", None)) == [("AC304", "warning")]
    assert summary(lint(server, tmp_path, "info@relaxed.com", None)) == []


def test_servfail_is_ac600_never_no_record(server: NsdServer, tmp_path: Path) -> None:
    findings = lint(server, tmp_path, "info@servfail.com", "b@servfail.com")
    assert summary(findings) == [("AC600", "error")]
    assert "SERVFAIL" in findings[0].message


def test_silent_nameserver_is_ac600_in_bounded_time(tmp_path: Path) -> None:
    path = tmp_path / "send.yaml"
    path.write_text("from: info@example.com\nenvelope: b@example.com\n")
    settings = Settings(nameservers=(f"127.0.0.1:{free_port()}",), dns_timeout=1.0, model="rfc7489")
    started = time.monotonic()
    report = check_paths([str(path)], settings)
    assert time.monotonic() - started < 5
    assert [f.rule for f in report.findings] == ["AC600", "AC600"]


def test_policy_findings_once_per_file_and_author_domain(server: NsdServer, tmp_path: Path) -> None:
    path = tmp_path / "sends.yaml"
    path.write_text(
        "sends:\n"
        "  - {from: a@monitor.com, envelope: b@monitor.com}\n"
        "  - {from: c@monitor.com, envelope: d@monitor.com}\n"
    )
    settings = Settings(nameservers=(server.address,), model="rfc7489", ignore=("AC302", "AC7"))
    findings = list(check_paths([str(path)], settings).findings)
    assert [(f.rule, f.line, f.send) for f in findings] == [("AC504", 2, 0)]


def test_cli_json_against_the_server(
    server: NsdServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mail.yaml"
    path.write_text(
        "sends:\n"
        "  - from: info@strict.com\n    envelope: b@bounce.strict.com\n"
        "  - from: info@monitor.com\n    envelope: b@monitor.com\n"
    )
    status = main(
        [
            "check",
            "--nameserver",
            server.address,
            "--model",
            "rfc7489",
            "--ignore",
            "AC302,AC7",
            "--format",
            "json",
            str(path),
        ]
    )
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert status == 1
    assert [(f["rule"], f["severity"], f["line"]) for f in findings] == [
        ("AC301", "error", 3),
        ("AC504", "info", 4),
    ]


def test_each_distinct_name_is_queried_once(nsd: NsdServer, tmp_path: Path) -> None:
    domains = [f"brand{i}.com" for i in range(50)]
    nsd.serve(
        {
            ".": [f'_dmarc.{d}. TXT "v=DMARC1; p=reject"' for d in domains]
            + [f"mail.{d}. MX 10 mx.{d}." for d in domains]
            + [f'mail.{d}. TXT "v=spf1 include:spf1.smtpeter.com -all"' for d in domains]
            + ['spf1.smtpeter.com. TXT "v=spf1 ip4:192.0.2.0/28 -all"']
        }
    )
    try:
        for number in range(4):
            sends = [f"  - {{from: news@{d}, envelope: bounces@mail.{d}}}" for d in domains]
            (tmp_path / f"batch{number}.yaml").write_text("sends:\n" + "\n".join(sends) + "\n")
        with relay(nsd.port) as counting:
            settings = Settings(nameservers=(counting.address,), model="rfc7489")
            report = check_paths([str(tmp_path)], settings)
        assert (report.files, report.sends, list(report.findings)) == (4, 200, [])
        assert max(counting.questions.values()) == 1
        # A and AAAA are asked only for envelope domains without MX: none here; the SPF
        # include every MAIL FROM shares is asked once
        assert set(counting.questions) == (
            {(f"_dmarc.{d}", "TXT") for d in domains}
            | {(f"mail.{d}", rdtype) for d in domains for rdtype in ("MX", "TXT", "SPF")}
            | {("spf1.smtpeter.com", "TXT")}
        )
    finally:
        nsd.serve(ZONES)
