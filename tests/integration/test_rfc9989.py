"""RFC 9989 tree walk, `both` models and AC506, against NSD."""

from __future__ import annotations

from pathlib import Path

import pytest

from aligncheck import Finding, Settings, check_paths
from aligncheck.dmarc.discovery import walk_names
from tests.nsd import NsdServer
from tests.relay import relay


def run(
    nsd: NsdServer,
    tmp_path: Path,
    records: list[str],
    author: str,
    envelope: str | None,
    model: str = "both",
) -> list[Finding]:
    nsd.serve({".": records})
    text = f"from: {author}\n" + (f"envelope: {envelope}\n" if envelope else "")
    path = tmp_path / "send.yaml"
    path.write_text(text)
    settings = Settings(nameservers=(nsd.address,), model=model, ignore=("AC302", "AC7"))
    return list(check_paths([str(path)], settings).findings)


def rules(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.rule, str(f.severity)) for f in findings)


B4 = [
    '_dmarc.mail.example.com. TXT "v=DMARC1; p=quarantine"',
    '_dmarc.example.com. TXT "v=DMARC1; p=reject"',
    "a.mail.example.com. A 192.0.2.1",
]


@pytest.mark.parametrize(
    ("records", "envelope", "expected"),
    [
        # §4.10.2 / B.4: both records found, the shortest name is the org domain
        (B4, "b@bounces.example.com", []),
        # psd=n at mail.example.com: that name is the org domain
        (
            [
                '_dmarc.mail.example.com. TXT "v=DMARC1; p=reject; psd=n"',
                '_dmarc.example.com. TXT "v=DMARC1; p=none"',
                "a.mail.example.com. A 192.0.2.1",
            ],
            "b@bounces.example.com",
            [("AC301", "error")],
        ),
        (
            [
                '_dmarc.mail.example.com. TXT "v=DMARC1; p=reject; psd=n"',
                "a.mail.example.com. A 192.0.2.1",
            ],
            "b@x.mail.example.com",
            [],
        ),
        # only _dmarc.com with psd=y: the org domain is example.com, the PSD's policy applies
        (
            ['_dmarc.com. TXT "v=DMARC1; p=reject; psd=y"', "a.mail.example.com. A 192.0.2.1"],
            "b@bounces.example.com",
            [],
        ),
        (
            ['_dmarc.com. TXT "v=DMARC1; p=reject; psd=y"', "a.mail.example.com. A 192.0.2.1"],
            "b@other.com",
            [("AC301", "error")],
        ),
    ],
)
def test_rfc9989_examples(
    nsd: NsdServer,
    tmp_path: Path,
    records: list[str],
    envelope: str,
    expected: list[tuple[str, str]],
) -> None:
    findings = run(nsd, tmp_path, records, "info@a.mail.example.com", envelope, "rfc9989")
    assert rules(findings) == expected


def test_long_name_walk_asks_at_most_eight_names(nsd: NsdServer, tmp_path: Path) -> None:
    author = "a.b.c.d.e.f.g.h.i.j.mail.example.com"
    nsd.serve({".": ['_dmarc.example.com. TXT "v=DMARC1; p=reject"']})
    (tmp_path / "send.yaml").write_text(f"from: info@{author}\n")
    with relay(nsd.port) as counting:
        settings = Settings(nameservers=(counting.address,), model="rfc9989")
        report = check_paths([str(tmp_path / "send.yaml")], settings)
    asked = sorted(name for name, rdtype in counting.questions if rdtype == "TXT")
    assert asked == sorted(f"_dmarc.{name}" for name in walk_names(author))
    assert len(asked) == 8
    assert max(counting.questions.values()) == 1
    assert list(report.findings) == []


def test_multiple_records_at_the_author_are_discarded_and_the_walk_goes_on(
    nsd: NsdServer, tmp_path: Path
) -> None:
    records = [
        '_dmarc.mail.example.com. TXT "v=DMARC1; p=none"',
        '_dmarc.mail.example.com. TXT "v=DMARC1; p=quarantine"',
        '_dmarc.example.com. TXT "v=DMARC1; p=reject; sp=reject"',
        "mail.example.com. A 192.0.2.1",
    ]
    only_9989 = run(nsd, tmp_path, records, "info@mail.example.com", "b@other.net", "rfc9989")
    assert rules(only_9989) == [("AC301", "error"), ("AC502", "error")]
    only_7489 = run(nsd, tmp_path, records, "info@mail.example.com", "b@other.net", "rfc7489")
    assert rules(only_7489) == [("AC301", "warning"), ("AC500", "warning"), ("AC502", "error")]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ([], [("AC301", "error")]),  # ghost.example.com does not exist: np=reject
        (["ghost.example.com. MX 10 mx.example.com."], [("AC301", "warning"), ("AC504", "info")]),
    ],
)
def test_np_only_for_names_that_do_not_exist(
    nsd: NsdServer, tmp_path: Path, extra: list[str], expected: list[tuple[str, str]]
) -> None:
    records = ['_dmarc.example.com. TXT "v=DMARC1; p=none; sp=none; np=reject"', *extra]
    findings = run(nsd, tmp_path, records, "info@ghost.example.com", "b@other.net", "rfc9989")
    assert rules(findings) == expected


def test_models_disagree_record_only_at_the_subdomain(nsd: NsdServer, tmp_path: Path) -> None:
    records = ['_dmarc.mail.example.com. TXT "v=DMARC1; p=reject"']
    findings = run(nsd, tmp_path, records, "news@mail.example.com", "b@bounces.example.com")
    assert rules(findings) == [("AC301", "error"), ("AC506", "warning")]
    ac301 = next(f for f in findings if f.rule == "AC301")
    assert "rfc9989" in ac301.message and "rfc7489" not in ac301.message
    ac506 = next(f for f in findings if f.rule == "AC506")
    assert ac506.message == (
        "RFC 7489 and RFC 9989 receivers disagree about `mail.example.com`: organizational "
        "domain `example.com` (rfc7489, Public Suffix List) vs `mail.example.com` (rfc9989, "
        "DNS tree walk); the envelope aligns under rfc7489 but not under rfc9989"
    )


def test_models_disagree_private_psl_suffix(nsd: NsdServer, tmp_path: Path) -> None:
    records = ['_dmarc.blogspot.com. TXT "v=DMARC1; p=reject"', "alice.blogspot.com. A 192.0.2.1"]
    findings = run(nsd, tmp_path, records, "alice@alice.blogspot.com", "b@bob.blogspot.com")
    assert rules(findings) == [("AC301", "warning"), ("AC500", "warning"), ("AC506", "warning")]
    [ac500] = [f for f in findings if f.rule == "AC500"]
    assert "under rfc7489" in ac500.message


def test_both_models_agree_no_ac506(nsd: NsdServer, tmp_path: Path) -> None:
    records = ['_dmarc.example.com. TXT "v=DMARC1; p=reject"']
    assert run(nsd, tmp_path, records, "info@example.com", "b@bounces.example.com") == []


def test_ac506_once_per_file_and_author_domain(nsd: NsdServer, tmp_path: Path) -> None:
    nsd.serve({".": ['_dmarc.mail.example.com. TXT "v=DMARC1; p=reject"']})
    path = tmp_path / "sends.yaml"
    path.write_text(
        "sends:\n"
        "  - {from: a@mail.example.com, envelope: b@mail.example.com}\n"
        "  - {from: c@mail.example.com, envelope: b@bounces.example.com}\n"
        "  - {from: d@mail.example.com, envelope: b@bounces.example.com}\n"
    )
    settings = Settings(nameservers=(nsd.address,), ignore=("AC302", "AC7"))
    findings = list(check_paths([str(path)], settings).findings)
    # send 0 aligns under both models (same policy, same verdict): the first disagreement
    # a receiver acts on is send 1's verdict
    assert [(f.rule, f.send) for f in findings if f.rule == "AC506"] == [("AC506", 1)]


def test_different_org_domains_alone_are_not_ac506(nsd: NsdServer, tmp_path: Path) -> None:
    records = ['_dmarc.mail.example.com. TXT "v=DMARC1; p=reject"']
    findings = run(nsd, tmp_path, records, "news@mail.example.com", "b@mail.example.com")
    assert findings == []


def test_require_strict_alignment_overrides_relaxed(nsd: NsdServer, tmp_path: Path) -> None:
    nsd.serve({".": ['_dmarc.example.com. TXT "v=DMARC1; p=reject"']})
    path = tmp_path / "send.yaml"
    path.write_text(
        "from: info@example.com\nenvelope: b@bounces.example.com\n---\nfrom: x@example.com\n"
    )
    settings = Settings(nameservers=(nsd.address,), ignore=("AC302", "AC7"))
    assert list(check_paths([str(path)], settings).findings) == []
    strict = Settings(
        nameservers=(nsd.address,), ignore=("AC302", "AC7"), require_strict_alignment=True
    )
    findings = list(check_paths([str(path)], strict).findings)
    assert [(f.rule, f.send) for f in findings] == [("AC301", 0), ("AC304", 1)]
    assert "require-strict-alignment" in findings[0].message
