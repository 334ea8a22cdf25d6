"""Discovery logic over an in-memory answer table (pure): walk names, RFC 7489 and RFC 9989."""

from __future__ import annotations

import pytest

from aligncheck.dmarc.discovery import discover, walk, walk_names
from aligncheck.resolver import Answer, AnswerTable, Failure, NameserverError, parse_nameserver


def table(records: dict[str, list[str]], missing_hosts: tuple[str, ...] = ()) -> AnswerTable:
    """Every `_dmarc.` name answers with its TXT records, or no data; hosts answer A no data
    unless listed as missing (NXDOMAIN)."""

    class Table(AnswerTable):
        def answer(self, name: str, rdtype: str) -> Answer | None:
            if rdtype == "A":
                return Answer("nxdomain") if name in missing_hosts else Answer("nodata")
            texts = records.get(name.removeprefix("_dmarc."))
            return Answer("records", tuple(texts)) if texts else Answer("nxdomain")

    return Table()


def test_walk_names_short() -> None:
    assert walk_names("a.mail.example.com") == [
        "a.mail.example.com",
        "mail.example.com",
        "example.com",
        "com",
    ]


def test_walk_names_jumps_to_seven_labels() -> None:
    name = "a.b.c.d.e.f.g.h.i.j.mail.example.com"
    assert walk_names(name) == [
        name,
        "g.h.i.j.mail.example.com",
        "h.i.j.mail.example.com",
        "i.j.mail.example.com",
        "j.mail.example.com",
        "mail.example.com",
        "example.com",
        "com",
    ]


def test_walk_names_eight_labels() -> None:
    name = "a.b.c.d.e.f.example.com"
    assert walk_names(name)[1] == "b.c.d.e.f.example.com"
    assert len(walk_names(name)) == 8


@pytest.mark.parametrize(
    ("records", "start", "org"),
    [
        (
            {"mail.example.com": ["v=DMARC1; p=none"], "example.com": ["v=DMARC1; p=reject"]},
            "a.mail.example.com",
            "example.com",
        ),
        (
            {
                "mail.example.com": ["v=DMARC1; p=none; psd=n"],
                "example.com": ["v=DMARC1; p=reject"],
            },
            "a.mail.example.com",
            "mail.example.com",
        ),
        ({"com": ["v=DMARC1; p=reject; psd=y"]}, "a.mail.example.com", "example.com"),
        ({}, "a.mail.example.com", "a.mail.example.com"),
        (
            {
                "example.com": ["v=DMARC1; p=reject", "v=DMARC1; p=none"],
                "com": ["v=DMARC1; p=none"],
            },
            "mail.example.com",
            "com",
        ),
    ],
)
def test_tree_walk_org_domain(records: dict[str, list[str]], start: str, org: str) -> None:
    assert walk(table(records), start).org_domain == org


def test_rfc9989_np_for_a_name_that_does_not_exist() -> None:
    records = {"example.com": ["v=DMARC1; p=none; sp=quarantine; np=reject"]}
    gone = discover("rfc9989", table(records, ("ghost.example.com",)), "ghost.example.com")
    there = discover("rfc9989", table(records), "real.example.com")
    assert (gone.effective, there.effective) == ("reject", "quarantine")


def test_rfc7489_several_records_at_the_author_stop_discovery() -> None:
    records = {
        "mail.example.com": ["v=DMARC1; p=reject", "v=DMARC1; p=none"],
        "example.com": ["v=DMARC1; p=reject"],
    }
    assert discover("rfc7489", table(records), "mail.example.com").effective is None
    assert discover("rfc9989", table(records), "mail.example.com").effective == "reject"


def test_rfc7489_skips_intermediate_names() -> None:
    records = {"corp.example.com": ["v=DMARC1; p=reject"]}
    assert discover("rfc7489", table(records), "alerts.corp.example.com").effective is None
    assert discover("rfc9989", table(records), "alerts.corp.example.com").effective == "reject"


def test_a_failed_answer_is_a_failure_value() -> None:
    class Failing(AnswerTable):
        def answer(self, name: str, rdtype: str) -> Answer | None:
            return Answer("failure", error="the nameserver answered SERVFAIL")

    found = discover("rfc7489", Failing(), "example.com")
    assert isinstance(found, Failure) and "SERVFAIL" in str(found)
    missing = discover("rfc7489", AnswerTable(), "example.com")
    assert isinstance(missing, Failure) and missing.missing


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("[::1]:5353", ("::1", 5353)),
        ("::1", ("::1", 53)),
        ("[2001:db8::1]", ("2001:db8::1", 53)),
        ("localhost:5353", ("localhost", 5353)),
        ("ns1.example.net", ("ns1.example.net", 53)),
    ],
)
def test_nameserver_syntax(text: str, parsed: tuple[str, int]) -> None:
    assert parse_nameserver(text) == parsed


@pytest.mark.parametrize(
    "text",
    ["dns example", "-ns.example", "127.0.0.1:0", "host:port", "127.0.0.1:99999", "[::1", ""],
)
def test_bad_nameservers(text: str) -> None:
    with pytest.raises(NameserverError):
        parse_nameserver(text)
