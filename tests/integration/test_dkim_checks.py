"""DKIM key rules in `check` against NSD: every selector of a profile, CNAME'd keys, several
TXT records, d= alignment under adkim, and the offline AC806."""

from __future__ import annotations

from pathlib import Path

import pytest

from aligncheck import Finding, Settings, check_paths
from aligncheck.rules.dkim import RSA1024, RSA2048
from tests.helpers import lint_text
from tests.integration.test_rule_docs_dns import txt_rdata
from tests.nsd import BROKEN, NsdServer

GOOD = f"v=DKIM1; k=rsa; p={RSA2048}"
ROOT = [
    '_dmarc.brand.example. TXT "v=DMARC1; p=reject"',
    '_dmarc.calm.example. TXT "v=DMARC1; p=none"',
    '_dmarc.strict.example. TXT "v=DMARC1; p=reject; adkim=s"',
    f"zero._domainkey.brand.example. TXT {txt_rdata(GOOD)}",
    # SMTPeter delegates keys by CNAME
    "one._domainkey.brand.example. CNAME dkim1.esp.example.",
    f"dkim1.esp.example. TXT {txt_rdata(GOOD)}",
    "two._domainkey.brand.example. CNAME dkim2.esp.example.",  # dangling
    f"weak._domainkey.brand.example. TXT {txt_rdata(f'v=DKIM1; p={RSA1024}')}",
    f"twice._domainkey.brand.example. TXT {txt_rdata(GOOD)}",
    f"twice._domainkey.brand.example. TXT {txt_rdata('v=DKIM1; p=')}",
    f"zero._domainkey.calm.example. TXT {txt_rdata(GOOD)}",
    f"zero._domainkey.mail.strict.example. TXT {txt_rdata(GOOD)}",
    f"zero._domainkey.esp.example. TXT {txt_rdata(GOOD)}",
]


@pytest.fixture(scope="module")
def server(nsd: NsdServer) -> NsdServer:
    nsd.serve({".": ROOT, "broken.example": [BROKEN]})
    return nsd


def lint(
    server: NsdServer, tmp_path: Path, text: str, profiles: dict[str, object]
) -> list[Finding]:
    path = tmp_path / "sends.yaml"
    path.write_text(text)
    settings = Settings(
        nameservers=(server.address,),
        ignore=("AC302", "AC7"),
        cache=False,
        sender_domains=profiles,  # type: ignore[arg-type]
    )
    return list(check_paths([str(path)], settings).findings)


def found(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.rule, str(f.severity)) for f in findings)


def profile(domain: str, *selectors: str, signing: str | None = None) -> dict[str, object]:
    table: dict[str, object] = {"dkim-selectors": list(selectors)}
    if signing:
        table["dkim-domain"] = signing
    return {domain: table}


SEND = "from: a@brand.example\nenvelope: b@brand.example\n"


def test_every_selector_holds_a_key_cname_followed(server: NsdServer, tmp_path: Path) -> None:
    assert lint(server, tmp_path, SEND, profile("brand.example", "zero", "one")) == []


def test_a_dangling_cname_is_a_missing_key(server: NsdServer, tmp_path: Path) -> None:
    findings = lint(server, tmp_path, SEND, profile("brand.example", "zero", "one", "two"))
    assert found(findings) == [("AC800", "error")]
    assert "two._domainkey.brand.example" in findings[0].message


def test_weak_and_several_records(server: NsdServer, tmp_path: Path) -> None:
    assert found(lint(server, tmp_path, SEND, profile("brand.example", "weak"))) == [
        ("AC803", "warning")
    ]
    assert found(lint(server, tmp_path, SEND, profile("brand.example", "twice"))) == [
        ("AC801", "error"),
        ("AC802", "error"),
    ]


def test_a_failed_lookup_is_ac600(server: NsdServer, tmp_path: Path) -> None:
    text = "from: a@brand.example\nenvelope: b@brand.example\n"
    findings = lint(
        server, tmp_path, text, profile("brand.example", "zero", signing="broken.example")
    )
    assert "AC600" in [f.rule for f in findings]


@pytest.mark.parametrize(
    ("author", "signing", "expected"),
    [
        ("brand.example", "esp.example", [("AC805", "error")]),  # p=reject
        ("calm.example", "esp.example", [("AC504", "info"), ("AC805", "warning")]),  # p=none
        ("strict.example", "mail.strict.example", [("AC805", "error")]),  # adkim=s
        ("brand.example", "brand.example", []),
    ],
)
def test_d_is_judged_under_adkim(
    server: NsdServer, tmp_path: Path, author: str, signing: str, expected: list[tuple[str, str]]
) -> None:
    text = f"from: a@{author}\nenvelope: b@{author}\n"
    findings = lint(server, tmp_path, text, profile(author, "zero", signing=signing))
    assert found(findings) == expected


def test_the_models_that_misalign_d_alike_are_named_together(
    server: NsdServer, tmp_path: Path
) -> None:
    """As AC301 says them: the message repeated one reason for each model."""
    text = "from: a@strict.example\nenvelope: b@strict.example\n"
    findings = lint(
        server, tmp_path, text, profile("strict.example", "zero", signing="mail.strict.example")
    )
    [finding] = findings
    assert finding.message.endswith(
        "not aligned with author domain `strict.example`: rfc7489 and rfc9989: adkim=s (strict) "
        "needs `strict.example` exactly"
    )


SIGNED = (
    "from: a@brand.example\n"
    "envelope: b@brand.example\n"
    "mime: |\n"
    "  DKIM-Signature: v=1; a=rsa-sha256; d=brand.example; s=zero; h=from; bh=x; b=y\n"
    "  From: a@brand.example\n"
    "\n"
    "  hi\n"
)


def test_a_signature_in_mime_names_its_key(server: NsdServer, tmp_path: Path) -> None:
    text = SIGNED.replace("from: a@brand.example\n", "", 1)
    quiet = text + "trackclicks: false\ntrackopens: false\ninlinecss: false\n"
    assert lint(server, tmp_path, quiet, {}) == []
    missing = quiet.replace("s=zero", "s=nokey")
    assert found(lint(server, tmp_path, missing, {})) == [("AC800", "error")]


def test_ac806_offline(tmp_path: Path) -> None:
    text = SIGNED.replace("from: a@brand.example\n", "", 1)
    findings = lint_text(tmp_path, text + "trackclicks: false\n")
    assert [(f.rule, f.line) for f in findings] == [("AC806", 2)]  # the `mime` value
    assert "`trackopens`, `inlinecss` are not `false`" in findings[0].message


def test_ac806_reads_the_options_headers_in_mime_over_the_properties(tmp_path: Path) -> None:
    """SMTPeter takes `X-SMTPeter-TrackClicks` (and the others) in `mime` over the property:
    headers all `false` left AC806 firing, a header `true` over a property `false` left it
    silent."""
    text = SIGNED.replace("from: a@brand.example\n", "", 1)
    headers = "  X-SMTPeter-TrackClicks: false\n  x-smtpeter-trackopens: FALSE\n"
    quiet = text.replace("  From:", headers + "  X-SMTPeter-InlineCSS: false\n  From:", 1)
    assert lint_text(tmp_path, quiet) == []
    overridden = text.replace("  From:", "  X-SMTPeter-TrackOpens: true\n  From:", 1)
    properties = "trackclicks: false\ntrackopens: false\ninlinecss: false\n"
    [finding] = lint_text(tmp_path, overridden + properties)
    assert finding.rule == "AC806"
    assert "`trackopens` is not `false`" in finding.message
