"""State carried from one round of DNS questions to the next: what the answers so far decided
is kept, what a missing answer decided is made again once the answer is there."""

from __future__ import annotations

from pathlib import Path

from aligncheck.dmarc.discovery import Discovery
from aligncheck.engine import paths_to_targets, target_sends
from aligncheck.resolver import Answer, AnswerTable, Failure
from aligncheck.rules import policy, spf
from aligncheck.rules.context import DnsRun, Domains
from aligncheck.rules.policy import alignments, discovery
from aligncheck.settings import Settings
from aligncheck.spf.evaluate import NeedAnswers

MODELS = ("rfc9989",)


def txt(*records: str) -> Answer:
    return Answer("records", records, ttl=300)


def test_a_discovery_is_carried_and_one_a_missing_answer_failed_is_made_again() -> None:
    table = AnswerTable(
        {
            ("_dmarc.policy.brand.example", "TXT"): txt("v=DMARC1; p=reject"),
            ("_dmarc.bare.brand.example", "TXT"): Answer("nxdomain", ttl=300),
            ("_dmarc.brand.example", "TXT"): txt("v=DMARC1; p=none; np=reject"),
            ("_dmarc.example", "TXT"): Answer("nxdomain", ttl=300),
        }
    )
    first = DnsRun(table, MODELS, Settings())
    made = discovery(first, "rfc9989", "policy.brand.example")
    assert isinstance(made, Discovery)
    missing = discovery(first, "rfc9989", "bare.brand.example")  # np: does it exist?
    assert isinstance(missing, Failure) and missing.missing

    table.answers[("bare.brand.example", "A")] = Answer("nxdomain", ttl=300)
    second = first.next_round(table)
    assert discovery(second, "rfc9989", "policy.brand.example") is made  # carried
    found = discovery(second, "rfc9989", "bare.brand.example")
    assert isinstance(found, Discovery) and found.effective == "reject"  # np


def test_an_author_is_asked_about_only_where_a_policy_found_depends_on_its_existence() -> None:
    # RFC 9989: `sp` or `np` of the record a walk finds above the author; an author with a
    # record of its own, or with no record anywhere above it, is never asked about
    table = AnswerTable(
        {
            ("_dmarc.own.brand.example", "TXT"): txt("v=DMARC1; p=reject"),
            ("_dmarc.bare.brand.example", "TXT"): Answer("nxdomain", ttl=300),
            ("_dmarc.brand.example", "TXT"): txt("v=DMARC1; p=none; np=reject"),
            ("_dmarc.lone.example", "TXT"): Answer("nxdomain", ttl=300),
            ("_dmarc.example", "TXT"): Answer("nxdomain", ttl=300),
        }
    )
    authors = frozenset({"own.brand.example", "bare.brand.example", "lone.example"})
    domains = Domains(authors=authors)
    first = DnsRun(table, ("rfc7489", "rfc9989"), Settings())
    assert set(policy.followups(first, domains)) == {("bare.brand.example", "A")}

    table.answers[("bare.brand.example", "A")] = Answer("nodata", ttl=300)
    assert set(policy.followups(first.next_round(table), domains)) == set()


def test_an_alignment_is_carried_and_one_a_missing_answer_failed_is_made_again() -> None:
    # relaxed alignment of a MAIL FROM walks its own tree (RFC 9989): made once, the next
    # rounds (and the judging after the last) read it instead of walking again
    table = AnswerTable(
        {
            ("_dmarc.brand.example", "TXT"): txt("v=DMARC1; p=reject"),
            ("_dmarc.example", "TXT"): Answer("nxdomain", ttl=300),
            ("_dmarc.bounce.brand.example", "TXT"): Answer("nxdomain", ttl=300),
        }
    )
    first = DnsRun(table, MODELS, Settings())
    made = alignments(first, "brand.example", "bounce.brand.example")
    assert not isinstance(made, Failure)
    assert alignments(first, "brand.example", "bounce.brand.example") is made  # once per run
    [(_, aligned)] = made
    missing = alignments(first, "brand.example", "mail.brand.example")
    assert isinstance(missing, Failure) and missing.missing

    table.answers[("_dmarc.mail.brand.example", "TXT")] = Answer("nxdomain", ttl=300)
    second = first.next_round(table)
    carried = alignments(second, "brand.example", "bounce.brand.example")
    assert not isinstance(carried, Failure)
    assert carried is made  # carried whole, not put together again
    assert carried[0][1] is aligned  # not walked again
    found = alignments(second, "brand.example", "mail.brand.example")
    assert not isinstance(found, Failure) and found[0][1].aligned


def test_an_spf_tree_is_kept_only_once_every_level_was_answered(tmp_path: Path) -> None:
    path = tmp_path / "send.yaml"
    path.write_text("from: news@brand.example\nenvelope: bounces@bounce.brand.example\n")
    settings = Settings(sender_ips=("192.0.2.10",))
    targets, errors = paths_to_targets([str(path)], settings)
    sends, read_errors = target_sends(targets, settings)
    assert not errors and not read_errors
    (send,) = sends
    table = AnswerTable(
        {
            ("bounce.brand.example", "TXT"): txt("v=spf1 include:_spf.brand.example -all"),
            ("bounce.brand.example", "SPF"): Answer("nodata", ttl=300),
        }
    )
    first = DnsRun(table, MODELS, settings)
    try:
        spf.evaluate(send, first)
        raise AssertionError("the include's answer is missing")
    except NeedAnswers as need:
        assert ("_spf.brand.example", "TXT") in need.questions
    assert spf._state(first).trees == {}

    table.answers[("_spf.brand.example", "TXT")] = txt("v=spf1 ip4:192.0.2.0/24 -all")
    second = first.next_round(table)
    tree, outcomes = spf.evaluate(send, second)
    assert tree is not None and [o.result for _, o in outcomes] == ["pass"]
    third = second.next_round(table)
    assert spf._state(third).trees["bounce.brand.example"] is tree  # carried
    assert spf._state(third).reported == set()  # what was reported is each run's own
