"""DMARC record recognition and parsing (pure): spec §2 table by table."""

from __future__ import annotations

import pytest

from aligncheck.dmarc.record import is_dmarc, is_near_miss, near_miss_reason, parse, valid_uri


@pytest.mark.parametrize(
    ("text", "dmarc", "near_miss"),
    [
        ("v=DMARC1; p=none", True, False),
        ("v=DMARC1", True, False),
        ("V = DMARC1 ;p=none", True, False),
        ("v\t=\tDMARC1\t; p=none", True, False),
        ("v=dmarc1; p=none", False, True),
        ("v=DMARC10; p=none", False, True),
        ("v=DMARC2; p=none", False, True),
        ("v=spf1 -all", False, True),
        (" v=DMARC1; p=none", False, True),
        ("google-site-verification=abc", False, False),
        ("p=reject; v=DMARC1", False, True),
        ('"v=DMARC1; p=reject"', False, True),
        ('_dmarc.example.gov text = "v=DMARC1; p=reject"', False, True),
        ("=DMARC1; p=quarantine", False, True),
    ],
)
def test_recognition(text: str, dmarc: bool, near_miss: bool) -> None:
    assert (is_dmarc(text), is_near_miss(text)) == (dmarc, near_miss)


@pytest.mark.parametrize(
    ("text", "tags", "problems"),
    [
        ("v=DMARC1; p=reject; aspf=s", {"p": "reject", "aspf": "s"}, 0),
        ("v=DMARC1;P=Reject;ASPF=S;", {"p": "reject", "aspf": "s"}, 0),
        ("v=DMARC1; p=none;;", {"p": "none"}, 1),
        ("v=DMARC1; p=none; junk", {"p": "none"}, 1),
        ("v=DMARC1; p=none; a1=x", {"p": "none"}, 1),
        ("v=DMARC1; p=none; foo=", {"p": "none"}, 1),
        ("v=DMARC1; p=none; foo=1; foo=2", {"p": "none"}, 0),
        ("v=DMARC1; p=none; aspf=x", {"p": "none"}, 1),
        ("v=DMARC1; p=none; pct=101", {"p": "none"}, 1),
        ("v=DMARC1; p=none; pct=50", {"p": "none", "pct": "50"}, 0),
        ("v=DMARC1; p=none; ri=86400; rf=afrf", {"p": "none", "ri": "86400", "rf": "afrf"}, 0),
        ("v=DMARC1; p=none; fo=0:1", {"p": "none"}, 1),
        ("v=DMARC1; p=none; fo=d:d", {"p": "none"}, 1),
        ("v=DMARC1; p=none; fo=1:d:s", {"p": "none", "fo": "1:d:s"}, 0),
        ("v=DMARC1; p=none; t=maybe", {"p": "none"}, 1),
        ("v=DMARC1; p=none; psd=x", {"p": "none"}, 1),
        ("v=DMARC1; p=reject; p=none", {}, 1),
        # no p at all, and historic tags with invalid values (RFC 7489 receivers read them)
        ("v=DMARC1; aspf=s", {"aspf": "s"}, 1),
        ("v=DMARC1; p=none; rf=invalid", {"p": "none"}, 1),
        ("v=DMARC1; p=none; ri=", {"p": "none"}, 1),
        ("v=DMARC1; p=none; pct=", {"p": "none"}, 1),
        ("v=DMARC1; p=none; v=DMARC1", {"p": "none"}, 1),
        (
            "v=DMARC1; p=none; rua=mailto:a@x.com, https://r.example/x",
            {"p": "none", "rua": "mailto:a@x.com,https://r.example/x"},
            0,
        ),
    ],
)
def test_parse_tags_and_problems(text: str, tags: dict[str, str], problems: int) -> None:
    record = parse(text)
    assert record.tags == tags
    assert len(record.problems) == problems


@pytest.mark.parametrize(
    ("text", "model", "reading"),
    [
        ("v=DMARC1; p=reject", "rfc7489", ("reject", "reject", "reject", False)),
        ("v=DMARC1; p=reject; sp=none", "rfc7489", ("reject", "none", "none", False)),
        (
            "v=DMARC1; p=reject; sp=none; np=quarantine",
            "rfc9989",
            ("reject", "none", "quarantine", False),
        ),
        # RFC 7489 receivers do not know np: an invalid np does not hurt them
        ("v=DMARC1; p=reject; np=bogus", "rfc7489", ("reject", "reject", "reject", False)),
        ("v=DMARC1; p=reject; np=bogus", "rfc9989", None),
        (
            "v=DMARC1; p=reject; np=bogus; rua=mailto:d@x.com",
            "rfc9989",
            ("none", "none", "none", True),
        ),
        ("v=DMARC1; rua=mailto:d@x.com", "rfc7489", ("none", "none", "none", True)),
        ("v=DMARC1; aspf=s", "rfc9989", None),
        ("v=DMARC1; p=rejekt; rua=bad", "rfc9989", None),
        ("v=DMARC1; p=rejekt; rua=bad,mailto:d@x.com", "rfc9989", ("none", "none", "none", True)),
        # a duplicated rua is invalid as a whole: nothing keeps the record
        ("v=DMARC1; p=bogus; rua=mailto:a@b.org; rua=mailto:c@d.org", "rfc7489", None),
        ("v=DMARC1; p=bogus; rua=mailto:a@b.org; rua=mailto:c@d.org", "rfc9989", None),
    ],
)
def test_policy_reading_per_model(
    text: str, model: str, reading: tuple[str, str, str, bool] | None
) -> None:
    policy = parse(text).policy(model)
    got = None if policy is None else (policy.p, policy.sp, policy.np, policy.read_as_none)
    assert got == reading


def test_read_as_none_keeps_other_valid_tags() -> None:
    policy = parse("v=DMARC1; p=bad; aspf=s; rua=mailto:d@x.com").policy("rfc9989")
    assert policy is not None and policy.aspf == "s" and policy.read_as_none


@pytest.mark.parametrize(
    ("text", "model", "effective"),
    [
        ("v=DMARC1; p=reject; t=y", "rfc9989", "quarantine"),
        ("v=DMARC1; p=quarantine; t=y", "rfc9989", "none"),
        ("v=DMARC1; p=none; t=y", "rfc9989", "none"),
        ("v=DMARC1; p=reject; t=y", "rfc7489", "reject"),
    ],
)
def test_t_y_demotes_one_level_under_rfc9989(text: str, model: str, effective: str) -> None:
    policy = parse(text).policy(model)
    assert policy is not None and policy.demoted(policy.p) == effective


@pytest.mark.parametrize(
    ("uri", "valid"),
    [
        ("mailto:dmarc@example.com", True),
        ("mailto:dmarc@example.com!10m", True),
        ("https://reports.example/dmarc", True),
        ("mailto:", False),
        ("mailto:nobody", False),
        ("dmarc@example.com", False),
        ("mailto:a@x.com!big", False),
        ("mailto:a b@x.com", False),
        ("mailto:postmaster%40example.gov", True),
        ("mailto:d%40example.com!10m", True),
        ("mailto:<email-address>@example.com", False),
        ("mailto:mailto:dmarc@example.com", False),
        ("mailto:a@b@c.com", False),
        ("mailto:a@ruf.example.com.", False),
        ("mailto:a%ZZ@example.com", False),
    ],
)
def test_report_uris(uri: str, valid: bool) -> None:
    assert valid_uri(uri) is valid


def test_historic_tags_are_listed() -> None:
    assert parse("v=DMARC1; p=none; pct=100; rf=afrf; ri=60").historic == ("pct", "rf", "ri")


def test_historic_tags_count_even_with_invalid_values() -> None:
    record = parse("v=DMARC1; p=none; pct=; rf=invalid")
    assert record.historic == ("pct", "rf")
    assert len(record.problems) == 2


@pytest.mark.parametrize(
    ("text", "misspelt"),
    [
        ("v=DMARC1; p=reject; apsf=s", [("apsf", "aspf")]),
        ("v=DMARC1; p=reject; asfp=r", [("asfp", "aspf")]),
        ("v=DMARC1; p=reject; rus=mailto:d@x.com", [("rus", "rua")]),
        ("v=DMARC1; p=reject; adkm=s", [("adkm", "adkim")]),
        ("v=DMARC1; p=reject; pcts=10", [("pcts", "pct")]),
        # a tag two edits away, or a known tag of fewer than three letters, is not guessed
        ("v=DMARC1; p=reject; foo=1", []),
        ("v=DMARC1; p=reject; sp=none; spp=none", []),
        # the known tag is there already: the other is some extension, not a typo
        ("v=DMARC1; p=reject; rua=mailto:d@x.com; rub=x", []),
    ],
)
def test_misspelt_tags(text: str, misspelt: list[tuple[str, str]]) -> None:
    assert parse(text).misspellings() == misspelt


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (" v=DMARC1; p=none", "white space"),
        ('"v=DMARC1; p=reject"', "literal quotes"),
        ('_dmarc.example.gov text = "v=DMARC1; p=reject"', "resolver output"),
        ("=DMARC1; p=quarantine", "tag name `v` is missing"),
        ("v=dmarc1; p=none", "upper case"),
        ("v=DMARC10; p=none", "`DMARC10`"),
        ("v=spf1 -all", "SPF record"),
        ("p=reject; v=DMARC1", "must begin with `v=DMARC1`"),
    ],
)
def test_near_miss_reasons(text: str, fragment: str) -> None:
    assert is_near_miss(text)
    assert fragment in near_miss_reason(text)
