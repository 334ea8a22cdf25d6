"""Property-based tests: random sends, DMARC records, From values and envelopes never raise,
every finding has a valid location, and record parsing stays linear."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aligncheck import Settings, check_send
from aligncheck.addresses import (
    AddressError,
    AuthorIssue,
    AuthorProblem,
    parse_envelope,
    parse_from,
)
from aligncheck.dmarc.record import is_dmarc, parse

OFFLINE = Settings(offline=True)
KEYS = [
    "envelope",
    "mime",
    "from",
    "recipient",
    "recipients",
    "dsn",
    "template",
    "to",
    "trackbounces",
    "x-aligncheck",
    "subject",
    "notify",
    "ret",
    "envid",
    "orcpt",
    "name",
    "address",
    "ignore",
    "extra",
    "tags",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(
        [
            "a@example.com",
            "<b@x.com>",
            "Name <c@y.org>",
            "NEVER,FAILURE",
            "From: a@x.com\r\n\r\nbody",
            "{$v}@x.com",
            "faß.de",
            "a@b@c",
        ]
    ),
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5),
    ),
    max_leaves=25,
)
sends = st.dictionaries(st.sampled_from(KEYS), values, min_size=1, max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sends)
def test_random_sends_never_raise_and_findings_are_located(send: dict[str, Any]) -> None:
    for finding in check_send(send, OFFLINE):
        assert finding.line >= 1 and finding.column >= 1
        assert finding.path == "<send>"
        assert finding.message


dmarc_text = st.text(
    alphabet=st.sampled_from(list("vV=DMARC1; \tprsuqjcentdkimafo:!,@.x-ymn0123456789\x00é")),
    max_size=200,
)


@settings(max_examples=500, deadline=None)
@given(dmarc_text)
def test_random_dmarc_records_never_raise(text: str) -> None:
    record = parse("v=DMARC1;" + text)
    for model in ("rfc7489", "rfc9989"):
        record.policy(model)
        record.reading(model)
    is_dmarc(text)


def test_record_parsing_is_linear() -> None:
    def cost(size: int) -> float:
        text = "v=DMARC1; p=reject; " + "; ".join(f"x{chr(97 + i % 26)}=v{i}" for i in range(size))
        started = time.perf_counter()
        for _ in range(5):
            parse(text)
        return time.perf_counter() - started

    small, large = cost(2_000), cost(20_000)
    assert large < small * 25  # ten times the input, far from a hundred times the time


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80) | st.from_regex(r"[A-Za-z <>\"@.,:;()=?_-]{0,40}", fullmatch=True))
def test_random_from_values_raise_only_author_problems(value: str) -> None:
    try:
        mailbox = parse_from(value)
    except AuthorProblem as problem:
        assert isinstance(problem.kind, AuthorIssue) and problem.message
    else:
        assert mailbox.domain == mailbox.domain.lower()


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80) | st.from_regex(r"[a-z\"\\ {}$<>@.-]{0,40}", fullmatch=True))
def test_random_envelopes_raise_only_address_errors(value: str) -> None:
    try:
        mailbox = parse_envelope(value)
    except AddressError:
        return
    assert "@" not in mailbox.domain and mailbox.domain == mailbox.domain.lower()
