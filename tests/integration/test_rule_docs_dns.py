"""The documented examples of the rules that need DNS, judged against NSD serving the records
each example names: the failing example fires the rule, the passing one does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from aligncheck import Settings
from aligncheck.cli import main
from aligncheck.rules import RULES
from aligncheck.rules.base import Rule
from tests.helpers import codes, lint_text
from tests.nsd import BROKEN, NsdServer, Zones
from tests.unit.test_rule_docs import example_settings

DNS_RULES = [rule for rule in RULES.values() if rule.needs_dns and rule.code != "AC601"]


def txt_rdata(value: str) -> str:
    """A TXT value as zone-file strings of at most 255 octets each."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


def zones(records: tuple[tuple[str, str, str], ...]) -> Zones:
    root: list[str] = []
    served: dict[str, list[str]] = {".": root}
    for name, rdtype, value in records:
        if rdtype == "SERVFAIL":
            served[name] = [BROKEN]
        else:
            rdata = txt_rdata(value) if rdtype == "TXT" else value
            root.append(f"{name}. {rdtype} {rdata}")
    return served


@pytest.mark.parametrize("rule", DNS_RULES, ids=[r.code for r in DNS_RULES])
def test_dns_rule_examples(nsd: NsdServer, tmp_path: Path, rule: Rule) -> None:
    settings = example_settings(
        rule, Settings(nameservers=(nsd.address,), dns_timeout=2.0, cache=False)
    )
    nsd.serve(zones(rule.dns))
    assert rule.code in codes(lint_text(tmp_path, rule.failing, settings=settings))
    nsd.serve(zones(rule.passing_records))
    assert rule.code not in codes(lint_text(tmp_path, rule.passing, settings=settings))


def test_snapshot_missing_example(nsd: NsdServer, tmp_path: Path) -> None:
    """AC601: the failing example runs from a snapshot recorded for the passing one."""
    rule = RULES["AC601"]
    nsd.serve(zones(rule.dns))
    recorded = tmp_path / "recorded.yaml"
    recorded.write_text(rule.passing)
    snapshot = tmp_path / "snapshot.json"
    assert main(["snapshot", "--nameserver", nsd.address, "-o", str(snapshot), str(recorded)]) == 0
    settings = Settings(snapshot=str(snapshot))
    assert "AC601" in codes(lint_text(tmp_path, rule.failing, settings=settings))
    assert "AC601" not in codes(lint_text(tmp_path, rule.passing, settings=settings))
