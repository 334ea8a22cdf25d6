"""dmarc/alignment.py: one alignment judgement, over answers written as a table."""

from __future__ import annotations

import pytest

from aligncheck.dmarc.alignment import Alignment, align, org_domain_finder
from aligncheck.dmarc.discovery import Discovery, discover, walk_names
from aligncheck.resolver import Answer, AnswerTable


def table(records: dict[str, str], *domains: str) -> AnswerTable:
    """Every `_dmarc` name the walks of `domains` ask: the records given, NXDOMAIN elsewhere."""
    answers = AnswerTable()
    for domain in domains:
        for name in walk_names(domain):
            key = (f"_dmarc.{name}", "TXT")
            text = records.get(name)
            answers.answers[key] = Answer("records", (text,)) if text else Answer("nxdomain")
    return answers


@pytest.mark.parametrize(
    ("record", "model", "other", "tag", "strict", "expected"),
    [
        ("v=DMARC1; p=reject", "rfc7489", "bounces.example.com", "aspf", False, (True, "relaxed")),
        ("v=DMARC1; p=reject", "rfc9989", "bounces.example.com", "aspf", False, (True, "relaxed")),
        ("v=DMARC1; p=reject", "rfc7489", "example.net", "aspf", False, (False, "relaxed")),
        (
            "v=DMARC1; p=reject; aspf=s",
            "rfc7489",
            "bounces.example.com",
            "aspf",
            False,
            (False, "strict"),
        ),
        ("v=DMARC1; p=reject; aspf=s", "rfc7489", "example.com", "aspf", False, (True, "strict")),
        ("v=DMARC1; p=reject", "rfc9989", "bounces.example.com", "aspf", True, (False, "strict")),
        # adkim decides for DKIM, aspf for SPF
        (
            "v=DMARC1; p=reject; adkim=s",
            "rfc7489",
            "mail.example.com",
            "adkim",
            False,
            (False, "strict"),
        ),
        (
            "v=DMARC1; p=reject; adkim=s",
            "rfc7489",
            "mail.example.com",
            "aspf",
            False,
            (True, "relaxed"),
        ),
    ],
)
def test_align(
    record: str, model: str, other: str, tag: str, strict: bool, expected: tuple[bool, str]
) -> None:
    answers = table({"example.com": record}, "example.com", other)
    discovery = discover(model, answers, "example.com")
    assert isinstance(discovery, Discovery)
    result = align(
        discovery, other, org_domain_finder(answers, True), tag=tag, require_strict=strict
    )
    assert isinstance(result, Alignment)
    assert (result.aligned, result.mode) == expected
    assert (result.why_not is None) is result.aligned
    if result.mode == "relaxed":
        assert result.found_by.startswith("Public Suffix" if model == "rfc7489" else "DNS tree")
