"""Author and envelope parsing, and IDNA2008 normalization."""

from __future__ import annotations

import pytest

from aligncheck.addresses import (
    AddressError,
    AuthorProblem,
    normalize_domain,
    parse_envelope,
    parse_from,
    question_name,
)
from aligncheck.rules.author import AUTHOR_CODES


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("faß.de", "xn--fa-hia.de"),
        ("Bücher.Example", "xn--bcher-kva.example"),
        ("EXAMPLE.COM", "example.com"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_domains_normalize_to_lowercase_a_labels(written: str, normalized: str) -> None:
    assert normalize_domain(written) == normalized


@pytest.mark.parametrize(
    "domain",
    [
        "",
        "example.com.",
        "a..com",
        "ex_ample.com",
        "-ab.com",
        "ab-.com",
        "a" * 64 + ".com",
        ".".join(["abcdefghi"] * 26),
        "i\u2764.ws",
    ],
)
def test_invalid_domains_are_refused(domain: str) -> None:
    with pytest.raises(AddressError):
        normalize_domain(domain)


@pytest.mark.parametrize(
    ("written", "asked"),
    [
        ("EXAMPLE.COM.", "example.com"),
        ("_SPF.Example.com", "_spf.example.com"),  # no host-name rule: SPF and DKIM ask these
        ("_spf.Bücher.Example", "_spf.xn--bcher-kva.example"),
        ("a..b", "a..b"),  # not a name at all: the caller judges it (check_host: `none`)
        ("foo@[1.2.3.5]", "foo@[1.2.3.5]"),
    ],
)
def test_question_names_are_lower_case_a_labels_and_nothing_else_changes(
    written: str, asked: str
) -> None:
    assert question_name(written) == asked


def test_a_question_name_that_idna_refuses_says_so() -> None:
    with pytest.raises(AddressError, match="not a valid IDNA2008 name"):
        question_name("a\u200db.example")


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("info@example.com", "example.com"),
        ("Bücher <info@Bücher.example>", "xn--bcher-kva.example"),
        ("=?utf-8?q?J=C3=B6rg?= <j@example.com>", "example.com"),
        ("x@faß.de", "xn--fa-hia.de"),
        ('"Doe, Jane" <jane@Example.COM>', "example.com"),
        ("info@example.com (comment)", "example.com"),
    ],
)
def test_from_values_yield_the_author_domain(value: str, domain: str) -> None:
    assert parse_from(value).domain == domain


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("a@x.com, b@y.com", "AC201"),
        ("Team: a@x.com;", "AC201"),
        ("Undisclosed:;", "AC201"),
        ("", "AC202"),
        ("info", "AC202"),
        ("info@example.com.", "AC202"),
        ("i <info@[192.0.2.1]>", "AC202"),
        ("=?utf-8?q?info?=@example.com", "AC202"),
        ("info@ex_ample.com", "AC202"),
        ("info@{$brand}.com", "AC203"),
        # an address that is a variable (spec §1): not knowable, not invalid
        ("{$from}", "AC203"),
        ("Shop <{$email}>", "AC203"),
        (" {$from} ", "AC203"),
        ("=?utf-8?q?Shop?= <{$email}>", "AC203"),
    ],
)
def test_unusable_from_values(value: str, code: str) -> None:
    with pytest.raises(AuthorProblem) as caught:
        parse_from(value)
    assert AUTHOR_CODES[caught.value.kind] == code


@pytest.mark.parametrize(
    "value",
    ['"quoted local"@example.com', "{$user}@example.com", "b+tag@bücher.example", "a.b@x.com"],
)
def test_valid_envelopes(value: str) -> None:
    parse_envelope(value)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("Bounces <b@x.com>", "angle brackets"),
        ("<b@x.com>", "angle brackets"),
        ("", "empty"),
        ("l" * 65 + "@x.com", "64"),
        ("b@-x.com", "hyphen"),
        ("b@x..com", "empty label"),
        ("b@x_y.com", "`_`"),
        ("b@x.com.", "ends with a dot"),
        ("bö@x.com", "SMTPUTF8"),
        ("b@{$d}.com", "variable"),
        ("b@[192.0.2.1]", "literal"),
        ("a..b@x.com", "empty dot-separated"),
        ("b@x.com ", "white space"),
        ("b x@x.com", "white space"),
        ("b@c@x.com", "more than one"),
        ("l" * 64 + "@" + ".".join(["d" * 60] * 4) + ".com", "octets long"),
    ],
)
def test_invalid_envelopes(value: str, fragment: str) -> None:
    with pytest.raises(AddressError, match=fragment):
        parse_envelope(value)


@pytest.mark.parametrize(
    ("value", "fast"),
    [
        ("info@example.com", True),
        ("Example Shop <info@Example.com>", True),
        ("O'Brien <ob@example.com>", True),
        ("a.b-c@sub.example.co.uk", True),
        ("x <y@bücher.example>", False),
        ("=?utf-8?q?info?=@example.com", False),
        ("info@example.com.", False),
        ("Dr. Who <who@example.com>", True),
        ("{$name}@example.com", True),
        ("Team <a@x.com>, b@y.com", False),
        ("<a@x.com>", False),
    ],
)
def test_fast_path_agrees_with_the_full_parser(value: str, fast: bool) -> None:
    """The plain forms skip the stdlib parser and get its answer; the rest go to it."""
    from aligncheck.addresses import _parse_from, _simple_from

    result = _simple_from(value)
    assert (result is not None) is fast
    if result is not None:
        assert result == _parse_from(value)
