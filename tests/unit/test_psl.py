"""Our PSL matcher gives tldextract's answers (tldextract, offline, is the oracle)."""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Iterator
from pathlib import Path

import idna
import pytest
import tldextract

from aligncheck.cachedir import cache_dir
from aligncheck.dmarc import psl
from aligncheck.dmarc.psl import _rules, org_domain
from aligncheck.psl_version import snapshot_path
from tests.helpers import calls_of, unwritable_cache_dir


@functools.cache
def extractor(private: bool) -> tldextract.TLDExtract:
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=private
    )


# Where tldextract departs from the PSL algorithm: with rules `*.firenet.ch` and
# `*.svc.firenet.ch`, the name `svc.firenet.ch` is matched by the wildcard, so it is a public
# suffix (its own org domain); tldextract's trie follows the `svc` branch and answers
# `firenet.ch`.
KNOWN_DEPARTURES = {"svc.firenet.ch"}


def oracle(domain: str, private: bool) -> str:
    result = extractor(private)(domain)
    if result.top_domain_under_public_suffix:
        return result.top_domain_under_public_suffix.lower()
    if result.suffix and result.suffix.lower() == domain:
        return domain
    return ".".join(domain.split(".")[-2:])


def corpus() -> list[str]:
    names = [
        "a.b.brand.co.uk",
        "brand.co.uk",
        "co.uk",
        "com",
        "example.com",
        "mail.example.com",
        "alice.blogspot.com",
        "x.example",
        "example",
        "e3191.c.akamaiedge.net",
        "xn--bcher-kva.example",
        "a.b.xn--p1ai",
        "www.ck",
        "a.www.ck",
        "b.ck",
        "a.b.ck",
        "foo.kawasaki.jp",
        "city.kawasaki.jp",
        "x.city.kawasaki.jp",
        "x.y.github.io",
    ]
    rng = random.Random(7)
    text = snapshot_path().read_text(encoding="utf-8")
    rules = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("//")
    ]
    for rule in rng.sample(rules, 600):
        base = rule.lstrip("!").removeprefix("*.")
        try:
            ascii_base = idna.encode(base, uts46=True).decode()
        except idna.IDNAError:
            continue
        names += [ascii_base, f"brand.{ascii_base}", f"a.brand.{ascii_base}"]
    return names


@pytest.mark.parametrize("private", [True, False])
def test_matches_tldextract(private: bool) -> None:
    mismatches = [
        (name, org_domain(name, private), oracle(name, private))
        for name in corpus()
        if name not in KNOWN_DEPARTURES and org_domain(name, private) != oracle(name, private)
    ]
    assert mismatches == []


def test_wildcard_rule_makes_its_match_a_suffix() -> None:
    assert org_domain("svc.firenet.ch") == "svc.firenet.ch"
    assert org_domain("a.svc.firenet.ch") == "a.svc.firenet.ch"
    assert org_domain("www.ck") == "www.ck"  # exception rule
    assert org_domain("a.b.ck") == "a.b.ck"  # *.ck


def test_private_section_is_optional() -> None:
    assert len(_rules(True).exact) > len(_rules(False).exact)
    assert org_domain("alice.blogspot.com", True) == "alice.blogspot.com"
    assert org_domain("alice.blogspot.com", False) == "blogspot.com"


@pytest.fixture
def fresh_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """`_rules` forgotten in this process; the list records every parse of the snapshot."""
    parses: list[bool] = calls_of(monkeypatch, psl, "_parse", argument=1)  # include_private
    psl._rules.cache_clear()
    yield parses
    psl._rules.cache_clear()


def test_parsed_rules_are_kept_between_runs(fresh_rules: list[bool]) -> None:
    first = psl._rules(True)
    assert fresh_rules == [True]
    psl._rules.cache_clear()  # a new run
    assert psl._rules(True) == first
    assert fresh_rules == [True]  # read back, not parsed again
    assert psl._rules(False) != first and fresh_rules == [True, False]  # kept apart


def test_a_damaged_or_stale_copy_is_parsed_again(
    fresh_rules: list[bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = psl._rules(True)
    kept = cache_dir() / psl.kept_name(True)
    key = json.dumps(json.loads(kept.read_text())["key"])
    damages = (
        "not json",
        '{"key": 1}',
        f'{{"key": {key}, "value": [[], []]}}',
        f'{{"key": {key}, "value": [[1], [], []]}}',
    )
    for damage in damages:
        kept.write_text(damage)
        psl._rules.cache_clear()
        assert psl._rules(True) == expected
        assert json.loads(kept.read_text())["value"][0]  # written again, whole
    assert fresh_rules == [True] * 5
    copy = tmp_path / "other-snapshot"  # another tldextract: another file
    copy.write_text(snapshot_path().read_text(encoding="utf-8") + "\nexample-suffix.test\n")
    monkeypatch.setattr(psl, "snapshot_path", lambda: copy)
    psl._rules.cache_clear()
    assert "example-suffix.test" in psl._rules(True).exact
    assert len(fresh_rules) == 6


def test_a_cache_directory_that_cannot_be_written_costs_nothing_but_time(
    fresh_rules: list[bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unwritable_cache_dir(tmp_path, monkeypatch)
    first = psl._rules(True)
    psl._rules.cache_clear()
    assert psl._rules(True) == first and "co.uk" in first.exact
    assert fresh_rules == [True, True]  # nothing kept, nothing failed
