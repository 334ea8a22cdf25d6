"""Where a safe fix applies: `fixes.locate` rewrites exactly the characters that plainly read
the old value, in their own quoting style, and refuses everything else (nothing the user wrote
is rewritten unless the characters there are unmistakably the value the fix replaces)."""

from __future__ import annotations

import pytest

from aligncheck.findings import Fix, Pos
from aligncheck.fixes import locate

FAILURE = Fix("failure", "FAILURE")


@pytest.mark.parametrize(
    ("line", "column", "fix", "as_json", "fixed"),
    [
        ("  notify: failure", 11, FAILURE, False, "  notify: FAILURE"),
        ("  notify: failure  # the DSN", 11, FAILURE, False, "  notify: FAILURE  # the DSN"),
        ('  notify: "failure"', 11, FAILURE, False, '  notify: "FAILURE"'),
        ("  notify: 'failure'", 11, FAILURE, False, "  notify: 'FAILURE'"),
        (
            "dsn: {notify: failure, ret: HDRS}",
            15,
            FAILURE,
            False,
            "dsn: {notify: FAILURE, ret: HDRS}",
        ),
        ('  "notify": "failure",', 13, FAILURE, True, '  "notify": "FAILURE",'),
        ("  Notify: x", 3, Fix("Notify", "notify", key=True), False, "  notify: x"),
        # the old value written with an escape still reads as it: rewritten in its style
        ('  notify: "fail\\u0075re"', 11, FAILURE, False, '  notify: "FAILURE"'),
        ("  ret: 'it''s'", 8, Fix("it's", "HDRS"), False, "  ret: 'HDRS'"),
    ],
)
def test_a_fix_rewrites_the_token_that_reads_the_old_value(
    line: str, column: int, fix: Fix, as_json: bool, fixed: str
) -> None:
    edit = locate([line], Pos(1, column), fix, as_json)
    assert edit is not None and edit.start == Pos(1, column)
    assert line[: column - 1] + edit.text + line[edit.end.column - 1 :] == fixed


@pytest.mark.parametrize(
    ("lines", "pos", "fix", "as_json"),
    [
        (["notify: failure"], Pos(2, 1), FAILURE, False),  # no such line
        (["notify: failure"], Pos(1, 40), FAILURE, False),  # past the line's end
        (['notify: "failure'], Pos(1, 9), FAILURE, False),  # a quote never closed
        (["notify: 'failure"], Pos(1, 9), FAILURE, False),
        (['notify: "success"'], Pos(1, 9), FAILURE, False),  # another value there
        (["notify: 'success'"], Pos(1, 9), FAILURE, False),
        (["notify: failures"], Pos(1, 9), FAILURE, False),  # a longer word
        (["notify: failure and more"], Pos(1, 9), FAILURE, False),
        (["notify: *alias"], Pos(1, 9), FAILURE, False),  # not the value itself
        (['"notify": failure'], Pos(1, 11), FAILURE, True),  # JSON: only strings
        (["Notify x"], Pos(1, 1), Fix("Notify", "notify", key=True), False),  # no `:`
        # the new value cannot be written plain (YAML would read it otherwise)
        (["ret: hdrs"], Pos(1, 6), Fix("hdrs", "true"), False),
        (["ret: hdrs"], Pos(1, 6), Fix("hdrs", "a: b"), False),
        (["ret: 'hdrs'"], Pos(1, 6), Fix("hdrs", "two\nlines"), False),
    ],
)
def test_no_fix_where_the_characters_are_not_plainly_the_old_value(
    lines: list[str], pos: Pos, fix: Fix, as_json: bool
) -> None:
    assert locate(lines, pos, fix, as_json) is None
