"""The registry: groups own their codes, and the engine refuses a code a group does not declare."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from aligncheck.engine import RuleOwnershipError, _Run
from aligncheck.findings import Pos, Problem
from aligncheck.options import BY_KEY
from aligncheck.rules import DNS_GROUPS, RULES, SEND_GROUPS, code_spans, codes_of, dns_failures
from aligncheck.selection import Decider
from aligncheck.settings import Settings

PACKAGE = Path(__file__).parents[2] / "aligncheck"


def test_every_rule_belongs_to_exactly_one_group() -> None:
    owners: dict[str, int] = {}
    for group in (*SEND_GROUPS, *DNS_GROUPS, dns_failures):
        for rule in group.RULES:
            owners[rule.code] = owners.get(rule.code, 0) + 1
    assert owners == dict.fromkeys(RULES, 1)


def _code_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and len(node.value) == 5
        and node.value.startswith("AC")
        and node.value[2:].isdigit()
    }


GROUPS = {g.__name__.rsplit(".", 1)[-1]: g for g in (*SEND_GROUPS, *DNS_GROUPS, dns_failures)}


@pytest.mark.parametrize("module", sorted(GROUPS))
def test_rule_modules_write_only_their_own_codes(module: str) -> None:
    """Every code a rule module writes is one it declares."""
    written = _code_literals(PACKAGE / "rules" / f"{module}.py")
    assert written <= codes_of(GROUPS[module]), sorted(written - codes_of(GROUPS[module]))


def test_the_other_rule_modules_write_no_code() -> None:
    others = {p for p in (PACKAGE / "rules").glob("*.py") if p.stem not in GROUPS}
    assert {p.name for p in others} == {
        "__init__.py",
        "base.py",
        "context.py",
        "docs.py",
        "groups.py",
        "outcome.py",
    }
    assert all(_code_literals(p) == set() for p in others)


@pytest.mark.parametrize(
    "path",
    sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if p.parent.name != "rules"),
)
def test_no_code_is_emitted_outside_the_rules(path: str) -> None:
    assert _code_literals(PACKAGE / path) == set(), path


def test_the_engine_refuses_a_code_the_group_does_not_declare() -> None:
    run = _Run(Decider(Settings()))
    run.add("x.yaml", [Problem("AC300", Pos(1, 1), "fine")], codes_of(SEND_GROUPS[2]))
    with pytest.raises(RuleOwnershipError):
        run.add("x.yaml", [Problem("AC501", Pos(1, 1), "not yours")], codes_of(SEND_GROUPS[2]))


def test_rule_options_are_declared_options() -> None:
    for rule in RULES.values():
        for key in rule.options:
            assert key in BY_KEY, (rule.code, key)


def test_the_audit_asks_what_every_outcome_reads_whatever_is_selected() -> None:
    from aligncheck.rules import dns_groups
    from aligncheck.selection import Selection

    names = [g.__name__.rsplit(".", 1)[1] for g in dns_groups(Selection(["AC4"]).enabled, True)]
    assert names == ["policy", "spf", "dkim"]


@pytest.mark.parametrize(
    ("select", "ignore", "asked"),
    [
        (["AC"], [], ["policy", "deliverability", "spf", "dkim"]),
        (["AC4"], [], []),  # no DNS rule: nothing asked
        (["AC302"], [], ["deliverability"]),
        (["AC301"], [], ["policy", "dkim"]),  # AC301's severity reads the DKIM leg
        (["AC5"], [], ["policy", "dkim"]),
        (["AC7"], [], ["policy", "spf", "dkim"]),  # alignment, and the other leg
        (["AC805"], [], ["policy", "spf", "dkim"]),
        (["AC600"], [], ["policy", "deliverability", "spf", "dkim"]),  # every group's lookups
        (["AC600", "AC302"], [], ["deliverability"]),  # the lookups of the rules selected
        (["AC"], ["AC7"], ["policy", "deliverability", "spf", "dkim"]),  # AC8 reads SPF
        (["AC"], ["AC7", "AC8"], ["policy", "deliverability", "dkim"]),
    ],
)
def test_dns_groups_asked_are_those_the_selected_rules_read(
    select: list[str], ignore: list[str], asked: list[str]
) -> None:
    from aligncheck.rules import dns_groups
    from aligncheck.selection import Selection

    found = dns_groups(Selection(select, ignore).enabled)
    assert [group.__name__.rsplit(".", 1)[1] for group in found] == asked


@pytest.mark.parametrize(
    ("codes", "written"),
    [
        (["AC301", "AC706"], "AC301, AC706"),
        (["AC500", "AC501"], "AC500, AC501"),  # two are no span
        (["AC502", "AC500", "AC501", "AC504"], "AC500-AC502, AC504"),
        ([f"AC{n}" for n in range(700, 714) if n != 712], "AC700-AC711, AC713"),
        ([], ""),
    ],
)
def test_code_spans_write_runs_of_three_or_more_as_one(codes: list[str], written: str) -> None:
    assert code_spans(codes) == written
