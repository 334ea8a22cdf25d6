"""Suppressions: YAML comments on the line or above, ignore-file, x-aligncheck in JSON, and
AC106 for suppressions that suppress nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import lint_text, located

BAD_ENVELOPE = "envelope: Bounces <b@example.com>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # trailing comment on the line
        (f"from: a@example.com\n{BAD_ENVELOPE}  # aligncheck: ignore[AC300]\n", []),
        # by name, and by prefix
        (f"from: a@example.com\n{BAD_ENVELOPE}  # aligncheck: ignore[envelope-invalid]\n", []),
        (f"from: a@example.com\n{BAD_ENVELOPE}  # aligncheck: ignore[AC3]\n", []),
        # bare ignore: every rule on that line
        (f"from: a@example.com\n{BAD_ENVELOPE}  # aligncheck: ignore\n", []),
        # on the line above
        (f"from: a@example.com\n# aligncheck: ignore[AC300]\n{BAD_ENVELOPE}\n", []),
        # another rule: the finding stays, and the suppression is unused
        (
            f"from: a@example.com\n{BAD_ENVELOPE}  # aligncheck: ignore[AC400]\n",
            [("AC300", 2, 11), ("AC106", 2, 36)],
        ),
        # two lines above does not count
        (
            f"# aligncheck: ignore[AC300]\nfrom: a@example.com\n{BAD_ENVELOPE}\n",
            [("AC106", 1, 1), ("AC300", 3, 11)],
        ),
        # ignore-file at the top
        (f"# aligncheck: ignore-file\nfrom: a@example.com\n{BAD_ENVELOPE}\n", []),
        (f"# aligncheck: ignore-file[AC3]\nfrom: a@example.com\n{BAD_ENVELOPE}\n", []),
        # ignore-file after content is no file suppression
        (
            f"from: a@example.com\n{BAD_ENVELOPE}\n# aligncheck: ignore-file\n",
            [("AC300", 2, 11)],
        ),
        # unknown rule in a suppression
        (
            f"from: a@example.com\n{BAD_ENVELOPE}  # aligncheck: ignore[AC300, AC999]\n",
            [("AC106", 2, 36)],
        ),
        # a typo in the only rule named suppresses nothing (the gate stays closed)
        (
            f"from: a@example.com\n{BAD_ENVELOPE}  # aligncheck: ignore[envelope-invalidd]\n",
            [("AC300", 2, 11), ("AC106", 2, 36)],
        ),
        (
            f"from: a@example.com\n{BAD_ENVELOPE}  # aligncheck: ignore[AC999]\n",
            [("AC300", 2, 11), ("AC106", 2, 36)],
        ),
        (
            f"# aligncheck: ignore-file[AC99]\nfrom: a@example.com\n{BAD_ENVELOPE}\n",
            [("AC106", 1, 1), ("AC300", 3, 11)],
        ),
        # text inside a quoted or block value is no comment: it suppressed that line
        (
            "from: a@example.com\nenvelope: 'Bounces <b@example.com> # aligncheck: ignore'\n",
            [("AC300", 2, 11)],
        ),
        (
            f"{BAD_ENVELOPE}\nmime: |\n  From: a@example.com\n  # aligncheck: ignore-file\n\n"
            "  hi # aligncheck: ignore\n",
            [("AC300", 1, 11)],
        ),
        # a comment after such a value still counts
        (
            "from: a@example.com\nenvelope: 'Bounces <b@example.com> # aligncheck: ignore[AC4]'"
            "  # aligncheck: ignore[AC300]\n",
            [],
        ),
    ],
)
def test_yaml_comment_suppressions(
    tmp_path: Path, text: str, expected: list[tuple[str, int, int]]
) -> None:
    assert located(lint_text(tmp_path, text)) == expected


def test_json_send_suppression(tmp_path: Path) -> None:
    text = (
        '[{"from": "a@example.com", "envelope": "<b@example.com>",\n'
        '  "x-aligncheck": {"ignore": ["AC300"]}},\n'
        ' {"from": "a@example.com", "envelope": "<b@example.com>"}]\n'
    )
    findings = lint_text(tmp_path, text, "sends.json")
    assert [(f.rule, f.send) for f in findings] == [("AC300", 1)]


def test_json_suppression_with_an_unknown_rule_suppresses_nothing(tmp_path: Path) -> None:
    text = (
        '{"from": "a@example.com", "envelope": "<b@example.com>",\n'
        ' "x-aligncheck": {"ignore": ["AC3OO"]}}'
    )
    findings = lint_text(tmp_path, text, "send.json")
    assert sorted(f.rule for f in findings) == ["AC106", "AC300"]
    message = next(f.message for f in findings if f.rule == "AC106")
    assert "unknown rule `AC3OO` (did you mean `AC300`?)" in message


def test_json_unused_send_suppression(tmp_path: Path) -> None:
    text = '{"from": "a@example.com", "x-aligncheck": {"ignore": ["AC300"]}}'
    assert located(lint_text(tmp_path, text, "send.json")) == [("AC106", 1, 54)]


SENDS_JSON = (
    '{{"x-aligncheck": {marks},\n'
    ' "sends": [{{"from": "a@example.com", "envelope": "<b@example.com>"}},\n'
    '           {{"from": "a@example.com", "envelope": "<b@example.com>"}}]}}\n'
)


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        # the whole file, as `ignore-file` in YAML: it was accepted and did nothing
        ('{"ignore": ["AC300"]}', []),
        ('{"ignore": ["envelope-invalid"]}', []),
        ('{"ignore": ["AC4"]}', [("AC106", 1, 29), ("AC300", 2, 50), ("AC300", 3, 50)]),
        # mistakes inside it are findings: a typo never opens the gate, nor passes unseen
        (
            '{"ignroe": ["AC300"]}',
            [("AC103", 1, 19), ("AC300", 2, 50), ("AC300", 3, 50)],
        ),
        ('{"ignore": "AC300"}', [("AC102", 1, 29), ("AC300", 2, 50), ("AC300", 3, 50)]),
        ('["AC300"]', [("AC102", 1, 18), ("AC300", 2, 50), ("AC300", 3, 50)]),
    ],
)
def test_json_suppression_beside_sends_covers_the_file(
    tmp_path: Path, marks: str, expected: list[tuple[str, int, int]]
) -> None:
    text = SENDS_JSON.format(marks=marks)
    assert located(lint_text(tmp_path, text, "sends.json")) == expected


def test_a_misspelt_key_inside_a_sends_suppression_is_ac103(tmp_path: Path) -> None:
    text = '{"from": "a@example.com", "x-aligncheck": {"Ignore": ["AC300"]}}'
    [finding] = lint_text(tmp_path, text, "send.json")
    assert finding.rule == "AC103"
    assert finding.message == "unknown `x-aligncheck` property `Ignore`; did you mean `ignore`?"


def test_suppressions_of_dns_rules_are_not_unused_offline(tmp_path: Path) -> None:
    text = "from: a@example.com\nenvelope: b@other.net  # aligncheck: ignore[AC301]\n"
    assert lint_text(tmp_path, text) == []


def test_hash_inside_a_value_is_not_a_comment(tmp_path: Path) -> None:
    text = 'from: a@example.com\nsubject: "#aligncheck: ignore"\n' + BAD_ENVELOPE + "\n"
    assert located(lint_text(tmp_path, text)) == [("AC300", 3, 11)]
