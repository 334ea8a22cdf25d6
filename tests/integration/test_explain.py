"""`aligncheck explain` against NSD: steps, org domains, policy and verdict per model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aligncheck.cli import main
from aligncheck.rules.dkim import RSA2048
from tests.integration.test_rule_docs_dns import txt_rdata
from tests.nsd import NsdServer

ZONES = {
    ".": [
        '_dmarc.example.com. TXT "v=DMARC1; p=reject"',
        '_dmarc.mail.example.com. TXT "v=DMARC1; p=quarantine; aspf=s"',
        '_dmarc.flawed.example. TXT "v=DMARC1; p=rejekt; rua=mailto:d@flawed.example; apsf=s"',
        f"zero._domainkey.example.com. TXT {txt_rdata(f'v=DKIM1; p={RSA2048}')}",
    ]
}


@pytest.fixture(scope="module")
def server(nsd: NsdServer) -> NsdServer:
    nsd.serve(ZONES)
    return nsd


def explain(server: NsdServer, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["explain", "--nameserver", server.address, *args])
    return status, capsys.readouterr().out


def test_explain_json_both_models(server: NsdServer, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = explain(
        server,
        capsys,
        "a.mail.example.com",
        "--envelope",
        "b@bounces.example.com",
        "--model",
        "both",
        "--format",
        "json",
    )
    document = json.loads(out)
    by_model = {m["model"]: m for m in document["models"]}
    assert document["domain"] == "a.mail.example.com"
    assert by_model["rfc7489"]["policy_domain"] == "example.com"
    assert by_model["rfc7489"]["effective_policy"] == "reject"
    assert by_model["rfc7489"]["aligned"] is True
    assert by_model["rfc9989"]["org_domain"] == "example.com"
    assert by_model["rfc9989"]["aligned"] is True
    assert by_model["rfc9989"]["steps"][0] == "_dmarc.a.mail.example.com: no DMARC record"
    assert status == 0


def test_explain_text_strict_misaligned(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = explain(
        server,
        capsys,
        "mail.example.com",
        "--envelope",
        "b@bounces.mail.example.com",
        "--model",
        "rfc7489",
    )
    assert status == 1
    assert "_dmarc.mail.example.com: v=DMARC1; p=quarantine; aspf=s" in out
    assert "effective policy: quarantine; aspf=s" in out
    assert "verdict: NOT aligned (strict)" in out


def test_explain_bad_domain_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "bad_domain.com"]) == 2
    assert "`_`" in capsys.readouterr().err
    assert main(["explain", "example.com.."]) == 2  # one final dot is the root, two are not


def test_explain_takes_a_domain_written_as_dns_tools_take_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`example.com.` (as dig takes it) was a usage error: "ends with a dot"."""
    snapshot = str(Path(__file__).parents[2] / "examples" / "dns" / "snapshot.json")
    for written in ("EXAMPLE.com.", "news@Example.COM"):
        main(["explain", written, "--snapshot", snapshot, "--isolated"])
        assert capsys.readouterr().out.startswith("author domain: example.com\n")


def test_ipv4_and_ipv6_nameservers_together(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A silent IPv6 nameserver first, then the real one: the answer still comes."""
    status = main(
        [
            "explain",
            "--nameserver",
            "[::1]:9",
            "--nameserver",
            server.address,
            "--dns-timeout",
            "3",
            "--no-cache",
            "example.com",
            "--model",
            "rfc7489",
            "--format",
            "json",
        ]
    )
    document = json.loads(capsys.readouterr().out)
    assert document["models"][0]["effective_policy"] == "reject"
    assert status == 0


def test_readme_explain_example_is_real_output(
    nsd: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    command = (
        "$ aligncheck explain a.mail.example.com --envelope b@bounces.example.com "
        "--sender-ip 192.0.2.10\n"
    )
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    nsd.serve(
        {
            ".": [
                '_dmarc.example.com. TXT "v=DMARC1; p=reject; aspf=r"',
                '_dmarc.mail.example.com. TXT "v=DMARC1; p=quarantine"',
                'bounces.example.com. TXT "v=spf1 include:spf1.smtpeter.com -all"',
                'spf1.smtpeter.com. TXT "v=spf1 ip4:192.0.2.0/28 -all"',
            ]
        }
    )
    try:
        status = main(
            [
                "explain",
                "a.mail.example.com",
                "--envelope",
                "b@bounces.example.com",
                "--sender-ip",
                "192.0.2.10",
                "--isolated",
                "--nameserver",
                nsd.address,
                "--no-cache",
            ]
        )
        assert status == 0
        assert capsys.readouterr().out == shown
    finally:
        nsd.serve(ZONES)


def test_explain_shows_record_errors_and_the_reading(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = explain(server, capsys, "flawed.example", "--model", "rfc7489")
    assert status == 0  # no envelope: nothing to misalign
    assert (
        "  _dmarc.flawed.example `v=DMARC1; p=rejekt; rua=mailto:d@flawed.example; apsf=s`:\n"
        in out
    )
    assert "    error: invalid `p=rejekt` (use none or quarantine or reject)\n" in out
    assert "    unknown tag `apsf` (ignored by receivers)\n" in out
    assert "    receivers read it as `p=none` (a valid `rua` URI keeps the record)\n" in out
    _, out = explain(server, capsys, "flawed.example", "--format", "json")
    [record] = json.loads(out)["models"][0]["records"]
    assert record["reading"].startswith("`p=none`")
    assert record["misspelt_tags"] == ["apsf"]


def test_explain_json_has_the_spf_of_the_mail_from(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = explain(
        server,
        capsys,
        "example.com",
        "--envelope",
        "b@example.com",
        "--sender-ip",
        "192.0.2.10",
        "--format",
        "json",
        "--isolated",
    )
    spf = json.loads(out)["spf"]
    assert spf["mail_from_domain"] == "example.com"
    assert spf["record"] is None  # the test zone publishes no SPF for example.com
    assert [p["rule"] for p in spf["problems"]] == ["AC700"]
    assert spf["results"] == [
        {"ip": "192.0.2.10", "result": "none", "term": None, "explanation": None}
    ]
    assert status == 0  # the DMARC verdict: aligned
    _, out = explain(server, capsys, "example.com", "--format", "json", "--isolated")
    assert json.loads(out)["spf"] is None  # no envelope, no profile: no MAIL FROM known


def test_explain_ends_with_the_dkim_keys_and_the_outcome(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["example.com", "--envelope", "b@esp.example.net", "--isolated"]
    status, out = explain(server, capsys, *args, "--dkim-selector", "zero", "--format", "json")
    document = json.loads(out)
    assert document["dkim"][0]["key"] == "zero._domainkey.example.com"
    assert document["dkim"][0]["state"] == "pass"
    assert document["dkim"][0]["answer"] == "records"
    assert document["dkim"][0]["record"].startswith("v=DKIM1; p=")
    assert {m: o["outcome"] for m, o in document["outcome"].items()} == {
        "rfc7489": "pass (DKIM)",
        "rfc9989": "pass (DKIM)",
    }
    assert status == 0  # DMARC passes in every model, through DKIM
    status, out = explain(server, capsys, *args)
    assert "[outcome]\n  rfc7489: unknown\n" in out
    assert status == 1  # misaligned envelope, no DKIM known: not a pass


def test_explain_asks_each_question_once(server: NsdServer) -> None:
    from tests.relay import relay

    with relay(server.port) as counting:
        status = main(
            [
                "explain",
                "example.com",
                "--envelope",
                "b@mail.example.com",
                "--dkim-selector",
                "zero",
                "--sender-ip",
                "192.0.2.10",
                "--nameserver",
                counting.address,
                "--no-cache",
                "--isolated",
            ]
        )
        asked = counting.questions
    assert status in (0, 1)
    assert asked and max(asked.values()) == 1  # DMARC, SPF and DKIM sections share answers
    assert ("zero._domainkey.example.com", "TXT") in asked
    assert ("mail.example.com", "TXT") in asked


def test_a_missing_dkim_key_says_what_dns_answered(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The text read `fail (nxdomain)` and the JSON gave `nxdomain` as the key's record."""
    args = ["example.com", "--envelope", "b@example.com", "--isolated", "--dkim-selector", "nokey"]
    _, out = explain(server, capsys, *args)
    assert "  nokey._domainkey.example.com: fail (NXDOMAIN)\n" in out
    _, out = explain(server, capsys, *args, "--format", "json")
    [key] = json.loads(out)["dkim"]
    assert (key["state"], key["record"], key["answer"]) == ("fail", None, "nxdomain")
