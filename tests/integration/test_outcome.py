"""The DMARC outcome of a send (spec §7) against NSD: each combination of the SPF and DKIM legs
under p=reject, p=none and no policy, in both models; AC301, AC706 and AC805 are errors only
where the other leg does not carry DMARC; the JSON report's `sends` list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aligncheck.cli import main
from aligncheck.rules.dkim import RSA2048
from aligncheck.selection import Selection
from tests.integration.test_rule_docs_dns import txt_rdata
from tests.nsd import NsdServer

KEY = f"v=DKIM1; k=rsa; p={RSA2048}"
ROOT = [
    '_dmarc.reject.example. TXT "v=DMARC1; p=reject"',
    '_dmarc.none.example. TXT "v=DMARC1; p=none"',
    'reject.example. TXT "v=spf1 include:spf1.smtpeter.com -all"',
    'none.example. TXT "v=spf1 include:spf1.smtpeter.com -all"',
    'nopolicy.example. TXT "v=spf1 include:spf1.smtpeter.com -all"',
    'spf1.smtpeter.com. TXT "v=spf1 ip4:192.0.2.0/28 -all"',
    'esp.example. TXT "v=spf1 ip4:203.0.113.0/24 -all"',
    f"zero._domainkey.reject.example. TXT {txt_rdata(KEY)}",
    f"zero._domainkey.none.example. TXT {txt_rdata(KEY)}",
    f"zero._domainkey.nopolicy.example. TXT {txt_rdata(KEY)}",
    f"zero._domainkey.esp.example. TXT {txt_rdata(KEY)}",
    'gone._domainkey.reject.example. TXT "v=DKIM1; p="',
]


@pytest.fixture(scope="module")
def server(nsd: NsdServer) -> NsdServer:
    nsd.serve({".": ROOT})
    return nsd


def check_json(
    server: NsdServer,
    capsys: pytest.CaptureFixture[str],
    target: Path,
    selection: tuple[str, ...] = ("--ignore", "AC302,AC5"),
) -> dict[str, Any]:
    """`check --format json` of `target` against the server (AC302 and AC5xx aside, unless
    another `selection` is given)."""
    main(
        [
            "check",
            "--nameserver",
            server.address,
            "--no-cache",
            "--format",
            "json",
            *selection,
            str(target),
        ]
    )
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def run(
    server: NsdServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    send: str,
    profile: dict[str, Any] | None,
    host: str = "192.0.2.10",
) -> tuple[dict[str, str], list[tuple[str, str]], list[str]]:
    write_case(tmp_path, send, profile, host)
    document = check_json(server, capsys, tmp_path / "send.yaml")
    [entry] = document["sends"]
    findings = [(f["rule"], f["severity"]) for f in document["findings"]]
    return entry["outcome"], findings, [f["message"] for f in document["findings"]]


def write_case(tmp_path: Path, send: str, profile: dict[str, Any] | None, host: str) -> None:
    """`send.yaml` and a configuration: the sending host, and the author's profile if any."""
    author = send.split("from: a@", 1)[1].split("\n", 1)[0]
    config = [f'sending-ips = ["{host}"]']
    if profile is not None:
        config.append(f'[sender-domains."{author}"]')
        config += [f"{key} = {json.dumps(value)}" for key, value in profile.items()]
    (tmp_path / ".aligncheck.toml").write_text("\n".join(config) + "\n")
    (tmp_path / "send.yaml").write_text(send)


DKIM = {"dkim-selectors": ["zero"]}
ALIGNED = "from: a@{d}\nenvelope: b@{d}\n"
FOREIGN = "from: a@{d}\nenvelope: b@esp.example\n"
NULL = "from: a@{d}\ntrackbounces: false\n"


@pytest.mark.parametrize(
    ("template", "domain", "profile", "host", "outcome", "findings"),
    [
        # p=reject
        (ALIGNED, "reject.example", DKIM, "192.0.2.10", "pass (SPF, DKIM)", []),
        (ALIGNED, "reject.example", None, "192.0.2.10", "pass (SPF)", []),
        (FOREIGN, "reject.example", DKIM, "192.0.2.10", "pass (DKIM)", [("AC301", "warning")]),
        (FOREIGN, "reject.example", None, "192.0.2.10", "unknown", [("AC301", "error")]),
        (
            FOREIGN,
            "reject.example",
            {"dkim-selectors": ["gone"]},
            "192.0.2.10",
            "fail",
            [("AC301", "error"), ("AC802", "error")],
        ),
        (NULL, "reject.example", DKIM, "192.0.2.10", "pass (DKIM)", [("AC303", "warning")]),
        (NULL, "reject.example", None, "192.0.2.10", "unknown", [("AC303", "warning")]),
        (ALIGNED, "reject.example", DKIM, "198.51.100.9", "pass (DKIM)", [("AC706", "warning")]),
        (ALIGNED, "reject.example", None, "198.51.100.9", "unknown", [("AC706", "error")]),
        (
            ALIGNED,
            "reject.example",
            {"dkim-selectors": ["zero"], "dkim-domain": "esp.example"},
            "192.0.2.10",
            "pass (SPF)",
            [("AC805", "warning")],
        ),
        # p=none: nothing is an error, the outcome is the same
        (FOREIGN, "none.example", None, "192.0.2.10", "unknown", [("AC301", "warning")]),
        (FOREIGN, "none.example", DKIM, "192.0.2.10", "pass (DKIM)", [("AC301", "warning")]),
        # no policy at all
        (FOREIGN, "nopolicy.example", None, "192.0.2.10", "unknown", [("AC301", "warning")]),
        (ALIGNED, "nopolicy.example", DKIM, "192.0.2.10", "pass (SPF, DKIM)", []),
    ],
)
def test_outcomes(
    server: NsdServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    template: str,
    domain: str,
    profile: dict[str, Any] | None,
    host: str,
    outcome: str,
    findings: list[tuple[str, str]],
) -> None:
    outcomes, found, messages = run(
        server, tmp_path, capsys, template.format(d=domain), profile, host
    )
    assert outcomes == {"rfc7489": outcome, "rfc9989": outcome}
    assert sorted(found) == sorted(findings)
    # under p=reject a leg failure is a warning only because the other leg carries DMARC,
    # and the message says which
    for (rule, severity), message in zip(found, messages, strict=True):
        if rule in ("AC301", "AC706", "AC805") and domain == "reject.example":
            assert ("DMARC still passes through" in message) is (severity == "warning")


@pytest.mark.parametrize(
    ("template", "profile", "host", "carried"),
    [
        (
            FOREIGN,
            DKIM,
            "192.0.2.10",
            "DMARC still passes through DKIM d=reject.example, selector zero",
        ),
        (
            ALIGNED,
            DKIM,
            "198.51.100.9",
            "DMARC still passes through DKIM d=reject.example, selector zero",
        ),
        (
            ALIGNED,
            {"dkim-selectors": ["zero"], "dkim-domain": "esp.example"},
            "192.0.2.10",
            "DMARC still passes through SPF for `reject.example`",
        ),
    ],
)
def test_the_leg_that_carries_dmarc_is_named(
    server: NsdServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    template: str,
    profile: dict[str, Any],
    host: str,
    carried: str,
) -> None:
    """AC805 read "DMARC still passes through SPF passes for `...`"."""
    _, _, [message] = run(
        server, tmp_path, capsys, template.format(d="reject.example"), profile, host
    )
    assert message.endswith(carried)


def test_sends_differing_only_in_their_dkim_leg_are_judged_apart(
    server: NsdServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # one author, one misaligned envelope: AC301 is judged once for sends alike, but the
    # second send's own DKIM-Signature (rewriting off) carries DMARC, so its AC301 is a
    # warning while the first's stays an error
    signed = (
        "from: a@reject.example\nenvelope: b@esp.example\n"
        "trackclicks: false\ntrackopens: false\ninlinecss: false\n"
        "mime: |\n"
        "  DKIM-Signature: v=1; a=rsa-sha256; d=reject.example; s=zero; h=from; bh=x; b=y\n"
        "  From: a@reject.example\n"
        "\n"
        "  Hello\n"
    )
    (tmp_path / "1-plain.yaml").write_text("from: a@reject.example\nenvelope: b@esp.example\n")
    (tmp_path / "2-signed.yaml").write_text(signed)
    (tmp_path / ".aligncheck.toml").write_text('sending-ips = ["192.0.2.10"]\n')
    document = check_json(server, capsys, tmp_path)
    found = [
        (Path(f["path"]).name, f["rule"], f["severity"])
        for f in document["findings"]
        if f["rule"] == "AC301"
    ]
    assert found == [("1-plain.yaml", "AC301", "error"), ("2-signed.yaml", "AC301", "warning")]
    assert [entry["outcome"]["rfc9989"] for entry in document["sends"]] == [
        "unknown",
        "pass (DKIM)",
    ]


@pytest.mark.parametrize(
    "selector", ["AC301", "AC7", "AC706", "spf-not-authorized", "AC8", "AC805", "AC802", "AC6"]
)
def test_the_rules_selected_report_what_a_run_of_every_rule_reports_of_them(
    server: NsdServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], selector: str
) -> None:
    # each case has a finding whose severity and message depend on the other leg of DMARC
    # (or, for AC706 and AC805, on the DMARC policy their alignment reads): selecting only
    # that rule must still look up what it depends on, or it would say nothing (the gate
    # open) or an error where DMARC passes
    cases = [
        (FOREIGN, DKIM, "192.0.2.10"),  # AC301 warning: DKIM carries
        (ALIGNED, DKIM, "198.51.100.9"),  # AC706 warning: DKIM carries
        (ALIGNED, {"dkim-selectors": ["zero"], "dkim-domain": "esp.example"}, "192.0.2.10"),
        (FOREIGN, {"dkim-selectors": ["gone"]}, "192.0.2.10"),  # AC301 and AC802 errors
        (ALIGNED, None, "198.51.100.9"),  # AC706 error: nothing else carries
    ]
    selected = Selection([selector]).enabled
    reported = 0
    for template, profile, host in cases:
        write_case(tmp_path, template.format(d="reject.example"), profile, host)
        every = check_json(server, capsys, tmp_path / "send.yaml", ())
        alone = check_json(server, capsys, tmp_path / "send.yaml", ("--select", selector))
        expected = [f for f in every["findings"] if selected(f["rule"])]
        assert alone["findings"] == expected
        if selector != "AC301":  # the rules read both legs: the outcomes are the full run's
            assert alone["sends"] == every["sends"]
        reported += len(expected)
    assert reported or selector == "AC6"  # the cases hold findings of every rule but AC600


def test_an_unknown_author_is_named_as_the_reason_not_the_mail_from(
    server: NsdServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the From's domain is a personalization variable: both legs wait for the author; a
    # known author with bounce tracking and no profile waits for its MAIL FROM
    (tmp_path / "sends.yaml").write_text(
        "sends:\n"
        "  - from: news@{$brand}.example\n"
        "    envelope: bounces@reject.example\n"
        "  - from: news@reject.example\n"
    )
    main(["audit", "--nameserver", server.address, "--no-cache", "--format", "json", str(tmp_path)])
    document = json.loads(capsys.readouterr().out)
    why = {
        send["mail_from"]["domain"]: send["why_not"]
        for domain in document["domains"]
        for send in domain["sends"]
    }
    assert why == {
        "reject.example": "rfc7489: the author domain is not known: its From is missing, "
        "invalid or filled in at send time",
        None: "rfc7489: SPF leg: the MAIL FROM is not known; "
        "DKIM leg: no profile or signature says how the mail is signed",
    }
