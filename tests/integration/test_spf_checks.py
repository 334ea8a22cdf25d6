"""SPF rules in `check` against NSD: only aligned MAIL FROM domains, a profile's bounce host,
the policy's severity for AC700/AC706, once per file, MAIL FROM and author."""

from __future__ import annotations

from pathlib import Path

import pytest

from aligncheck import Finding, Settings, check_paths
from tests.nsd import NsdServer

ROOT = [
    '_dmarc.reject.example. TXT "v=DMARC1; p=reject"',
    '_dmarc.none.example. TXT "v=DMARC1; p=none"',
    '_dmarc.strict.example. TXT "v=DMARC1; p=reject; aspf=s"',
    'reject.example. TXT "v=spf1 include:spf1.smtpeter.com -all"',
    'bounces.reject.example. TXT "v=spf1 include:spf1.smtpeter.com -all"',
    'other.reject.example. TXT "v=spf1 ip4:198.51.100.0/24 -all"',
    'none.example. TXT "v=spf1 ip4:198.51.100.0/24 -all"',
    'esp.example. TXT "v=spf1 ip4:203.0.113.0/24 -all"',
    'spf1.smtpeter.com. TXT "v=spf1 ip4:192.0.2.0/28 -all"',
    # %{l}: the local part of the MAIL FROM decides, so the same domain is not enough
    '_dmarc.macro.example. TXT "v=DMARC1; p=reject"',
    'macro.example. TXT "v=spf1 exists:%{l}.allowed.macro.example -all"',
    "good.allowed.macro.example. A 127.0.0.2",
    # a subdomain author with no record of its own: the org's `sp` applies once it exists
    "news.reject.example. MX 10 mx.reject.example.",
    'bounce.news.reject.example. TXT "v=spf1 include:_spf.reject.example -all"',
    '_spf.reject.example. TXT "v=spf1 include:spf1.smtpeter.com -all"',
]


@pytest.fixture(scope="module")
def server(nsd: NsdServer) -> NsdServer:
    nsd.serve({".": ROOT})
    return nsd


def lint(server: NsdServer, tmp_path: Path, text: str, **settings: object) -> list[Finding]:
    path = tmp_path / "sends.yaml"
    path.write_text(text)
    base = Settings(
        nameservers=(server.address,),
        ignore=("AC302",),
        cache=False,
        **settings,  # type: ignore[arg-type]
    )
    return list(check_paths([str(path)], base).findings)


def found(findings: list[Finding]) -> list[tuple[str, str, int]]:
    return sorted((f.rule, str(f.severity), f.line) for f in findings)


PROFILE = {"reject.example": {"bounce-host": "bounces.reject.example"}}


def test_an_author_s_existence_does_not_hold_its_spf_walk_back(
    server: NsdServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # whether `news.reject.example` exists picks `sp` or `np`, never `aspf`: its MAIL FROM's
    # includes are asked beside that question, not in a round after it (3 rounds, not 4)
    from aligncheck.resolver import client

    batches: list[set[tuple[str, str]]] = []
    resolve_batch = client.resolve_batch

    def recorded(questions: list[tuple[str, str]], *args: object) -> object:
        batches.append(set(questions))
        return resolve_batch(questions, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(client, "resolve_batch", recorded)
    text = "from: a@news.reject.example\nenvelope: b@bounce.news.reject.example\n"
    assert lint(server, tmp_path, text, sending_ips=("192.0.2.10",)) == []
    assert batches[1:] == [
        {("news.reject.example", "A"), ("_spf.reject.example", "TXT")},
        {("spf1.smtpeter.com", "TXT")},
    ]


def test_aligned_and_authorized_is_quiet(server: NsdServer, tmp_path: Path) -> None:
    text = "from: a@reject.example\nenvelope: b@reject.example\n"
    assert lint(server, tmp_path, text, sending_ips=("192.0.2.10",)) == []
    assert lint(server, tmp_path, text) == []  # the include reaches smtpeter.com


def test_a_host_spf_fails_for_is_an_error_under_reject(server: NsdServer, tmp_path: Path) -> None:
    text = "from: a@reject.example\nenvelope: b@other.reject.example\n"
    findings = lint(server, tmp_path, text, sending_ips=("192.0.2.10",))
    assert found(findings) == [("AC706", "error", 2)]
    assert "host 192.0.2.10 gets SPF fail" in findings[0].message


def test_under_p_none_the_same_is_a_warning(server: NsdServer, tmp_path: Path) -> None:
    text = "from: a@none.example\nenvelope: b@none.example\n"
    findings = lint(server, tmp_path, text, sending_ips=("192.0.2.10",))
    assert found(findings) == [("AC504", "info", 1), ("AC706", "warning", 2)]


def test_without_hosts_the_esp_must_be_reached(server: NsdServer, tmp_path: Path) -> None:
    text = "from: a@reject.example\nenvelope: b@other.reject.example\n"
    findings = lint(server, tmp_path, text)
    assert found(findings) == [("AC706", "error", 2)]
    assert "reaches smtpeter.com" in findings[0].message
    aligned = "from: a@reject.example\nenvelope: b@reject.example\n"
    assert lint(server, tmp_path, aligned) == []  # reaches spf1.smtpeter.com
    elsewhere = lint(server, tmp_path, aligned, esp_spf=("esp.example",))
    assert found(elsewhere) == [("AC706", "error", 2)]
    assert "reaches esp.example" in elsewhere[0].message


def test_a_misaligned_mail_from_is_ac301_alone(server: NsdServer, tmp_path: Path) -> None:
    text = "from: a@strict.example\nenvelope: b@esp.example\n"
    findings = lint(server, tmp_path, text, sending_ips=("192.0.2.10",))
    assert found(findings) == [("AC301", "error", 2)]


def test_a_missing_record_at_an_aligned_mail_from(server: NsdServer, tmp_path: Path) -> None:
    text = "from: a@reject.example\nenvelope: b@nospf.reject.example\n"
    findings = lint(server, tmp_path, text)
    assert found(findings) == [("AC700", "error", 2)]
    assert findings[0].message.endswith(
        "; SPF gives `none`, so the SPF leg of DMARC fails"
    )  # it said only that the name does not exist, not what that costs


def test_the_profile_bounce_host_is_the_mail_from(server: NsdServer, tmp_path: Path) -> None:
    text = "from: a@reject.example\n"
    assert lint(server, tmp_path, text, sender_domains=PROFILE, sending_ips=("192.0.2.10",)) == []
    strict = {"strict.example": {"bounce-host": "bounces.strict.example"}}
    findings = lint(server, tmp_path, "from: a@strict.example\n", sender_domains=strict)
    # AC301 judges the bounce host (at the author's source); AC304 is not emitted
    assert found(findings) == [("AC301", "error", 1)]
    assert "bounce host `bounces.strict.example`" in findings[0].message
    # without a profile: AC304, as before
    assert found(lint(server, tmp_path, "from: a@strict.example\n")) == [("AC304", "warning", 1)]


def test_once_per_file_mail_from_and_author(server: NsdServer, tmp_path: Path) -> None:
    text = (
        "sends:\n"
        "  - {from: a@reject.example, envelope: b@other.reject.example}\n"
        "  - {from: c@reject.example, envelope: b@other.reject.example}\n"
        "  - {from: d@none.example, envelope: b@none.example}\n"
    )
    findings = lint(server, tmp_path, text, sending_ips=("192.0.2.10",))
    assert [(f.rule, f.send) for f in findings if f.rule == "AC706"] == [("AC706", 0), ("AC706", 2)]


def test_sends_alike_are_judged_once_and_reported_where_each_stands(
    server: NsdServer, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text("from: a@reject.example\nenvelope: b@other.reject.example\n")
    second.write_text(
        "# another file\n\nfrom: c@reject.example\nenvelope: b@other.reject.example\n"
    )
    settings = Settings(
        nameservers=(server.address,), ignore=("AC302",), cache=False, sending_ips=("192.0.2.10",)
    )
    findings = check_paths([str(first), str(second)], settings).findings
    assert [(Path(f.path).name, f.rule, f.line, f.column) for f in findings] == [
        ("first.yaml", "AC706", 2, 11),
        ("second.yaml", "AC706", 4, 11),
    ]
    assert findings[0].message == findings[1].message


def test_sends_that_differ_in_the_sender_are_judged_apart(
    server: NsdServer, tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("from: a@macro.example\nenvelope: good@macro.example\n")
    bad.write_text("from: a@macro.example\nenvelope: bad@macro.example\n")
    settings = Settings(
        nameservers=(server.address,), ignore=("AC302",), cache=False, sending_ips=("192.0.2.10",)
    )
    findings = check_paths([str(good), str(bad)], settings).findings
    failing = [Path(f.path).name for f in findings if f.rule == "AC706"]
    assert failing == ["bad.yaml"]
