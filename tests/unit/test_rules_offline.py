"""Table-driven tests of the rules that need no DNS: each fires at its line and column, and the
corrected input is quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import lint_text, located

ENV = "from: info@example.com\nenvelope: bounces@example.com\n"

# (failing snippet, expected (code, line, column) findings, corrected snippet)
CASES = [
    # AC102 invalid-type
    (ENV + "dsn: FAILURE\n", [("AC102", 3, 6)], ENV + "dsn:\n  notify: FAILURE\n"),
    (ENV + "trackbounces: 'yes'\n", [("AC102", 3, 15)], ENV + "trackbounces: false\n"),
    (ENV + "dsn:\n  notify: [SUCCESS]\n", [("AC102", 4, 11)], ENV + "dsn:\n  notify: FAILURE\n"),
    (ENV + "tags: [a, 1]\n", [("AC102", 3, 7)], ENV + "tags: [a, b]\n"),
    # AC103 unknown-property (send and dsn)
    (
        "from: info@example.com\nenvelop: bounces@example.com\n",
        [("AC103", 2, 1)],
        "from: info@example.com\nenvelope: bounces@example.com\n",
    ),
    (ENV + "dsn:\n  notfy: FAILURE\n", [("AC103", 4, 3)], ENV + "dsn:\n  notify: FAILURE\n"),
    # AC104 conflicting-properties
    (
        ENV + "recipient: a@example.org\nrecipients: [b@example.org]\n",
        [("AC104", 4, 1)],
        ENV + "recipients: [a@example.org, b@example.org]\n",
    ),
    (
        "envelope: b@example.com\nmime: 'From: a@example.com\n\n  x'\nsubject: hi\n",
        [("AC104", 5, 1)],
        "envelope: b@example.com\nmime: 'From: a@example.com\n\n  x'\n",
    ),
    (ENV + "trackbounces: true\n", [("AC104", 3, 1)], ENV),
    # the header in `mime` overrides the property: at the header's line
    (
        "envelope: b@example.com\nmime: |\n  From: a@example.com\n"
        "  X-SMTPeter-TrackBounces: true\n\n  hi\n",
        [("AC104", 4, 3)],
        "envelope: b@example.com\ntrackbounces: true\nmime: |\n  From: a@example.com\n"
        "  X-SMTPeter-TrackBounces: false\n\n  hi\n",
    ),
    # AC105 recipient-invalid
    (
        ENV + "recipient: Jane <j@example.org>\n",
        [("AC105", 3, 12)],
        ENV + "recipient: j@example.org\n",
    ),
    (
        ENV + "recipients:\n  - ok@example.org\n  - bad@@example.org\n",
        [("AC105", 5, 5)],
        ENV + "recipients:\n  - ok@example.org\n  - good@example.org\n",
    ),
    (
        ENV + "recipients:\n  <a@example.org>: {name: A}\n",
        [("AC105", 4, 3)],
        ENV + "recipients:\n  a@example.org: {name: A}\n",
    ),
    (
        ENV + "recipients: ['{$email}', '{$email']\n",
        [("AC105", 3, 26)],
        ENV + "recipients: ['{$email}', 'x{$n}@example.org']\n",
    ),
    # AC200 from-missing
    ("envelope: b@example.com\nrecipient: r@example.org\n", [("AC200", 1, 1)], ENV),
    (
        "envelope: b@example.com\nmime: |\n  Subject: hi\n\n  body\n",
        [("AC200", 2, 7)],
        "envelope: b@example.com\nmime: |\n  Subject: hi\n  From: a@example.com\n\n  body\n",
    ),
    # AC201 from-multiple: two fields (points at the second), two mailboxes, a group
    (
        "envelope: b@example.com\nmime: |\n  From: a@example.com\n  From: c@example.com\n\n  x\n",
        [("AC201", 4, 3)],
        "envelope: b@example.com\nmime: |\n  From: a@example.com\n\n  x\n",
    ),
    (
        "envelope: b@x.com\nfrom: a@x.com, b@y.com\n",
        [("AC201", 2, 7)],
        "envelope: b@x.com\nfrom: a@x.com\n",
    ),
    (
        "envelope: b@x.com\nfrom: 'Team: a@x.com;'\n",
        [("AC201", 2, 7)],
        "envelope: b@x.com\nfrom: a@x.com\n",
    ),
    # AC202 from-invalid
    (
        "envelope: b@x.com\nfrom: info@example.com.\n",
        [("AC202", 2, 7)],
        "envelope: b@x.com\nfrom: info@example.com\n",
    ),
    (
        "envelope: b@x.com\nfrom: 'i <info@[192.0.2.1]>'\n",
        [("AC202", 2, 7)],
        "envelope: b@x.com\nfrom: 'i <info@x.com>'\n",
    ),
    ("envelope: b@x.com\nfrom: info\n", [("AC202", 2, 7)], "envelope: b@x.com\nfrom: info@x.com\n"),
    (
        "envelope: b@x.com\nfrom: =?utf-8?q?info?=@example.com\n",
        [("AC202", 2, 7)],
        "envelope: b@x.com\nfrom: =?utf-8?q?J=C3=B6rg?= <info@example.com>\n",
    ),
    (
        "envelope: b@x.com\nfrom: {name: A}\n",
        [("AC202", 2, 7)],
        "envelope: b@x.com\nfrom: {name: A, address: a@x.com}\n",
    ),
    # AC203 from-unresolved
    (
        "envelope: b@x.com\ntemplate: 42\n",
        [("AC203", 2, 11)],
        "envelope: b@x.com\ntemplate: 42\nfrom: a@x.com\n",
    ),
    (
        "envelope: b@x.com\nfrom: 'info@{$brand}.com'\n",
        [("AC203", 2, 7)],
        "envelope: b@x.com\nfrom: '{$user}@brand.com'\n",
    ),
    # AC300 envelope-invalid
    (
        "from: a@x.com\nenvelope: Bounces <b@x.com>\n",
        [("AC300", 2, 11)],
        "from: a@x.com\nenvelope: b@x.com\n",
    ),
    (
        "from: a@x.com\nenvelope: <b@x.com>\n",
        [("AC300", 2, 11)],
        "from: a@x.com\nenvelope: b@x.com\n",
    ),
    ("from: a@x.com\nenvelope: ''\n", [("AC300", 2, 11)], "from: a@x.com\nenvelope: b@x.com\n"),
    (
        "from: a@x.com\nenvelope: " + "l" * 65 + "@x.com\n",
        [("AC300", 2, 11)],
        "from: a@x.com\nenvelope: " + "l" * 64 + "@x.com\n",
    ),
    (
        "from: a@x.com\nenvelope: b@-x.com\n",
        [("AC300", 2, 11)],
        "from: a@x.com\nenvelope: b@x-x.com\n",
    ),
    (
        "from: a@x.com\nenvelope: b@x..com\n",
        [("AC300", 2, 11)],
        "from: a@x.com\nenvelope: b@x.x.com\n",
    ),
    (
        "from: a@x.com\nenvelope: b@x_y.com\n",
        [("AC300", 2, 11)],
        "from: a@x.com\nenvelope: b@x-y.com\n",
    ),
    (
        "from: a@x.com\nenvelope: b@brightwave\n",
        [("AC300", 2, 11)],
        "from: a@x.com\nenvelope: b@brightwave.nl\n",
    ),
    # AC307 envelope-unresolved (a variable as the envelope or in its domain)
    (
        "from: a@x.com\nenvelope: 'b@{$d}.com'\n",
        [("AC307", 2, 11)],
        "from: a@x.com\nenvelope: '{$u}@x.com'\n",
    ),
    (
        "from: a@x.com\nenvelope: '{$bounce}'\n",
        [("AC307", 2, 11)],
        "from: a@x.com\nenvelope: 'bounces+{$id}@x.com'\n",
    ),
    (
        "from: a@x.com\nenvelope: 'bounces@bounce.{$brand}.nl'\n",
        [("AC307", 2, 11)],
        "from: a@x.com\nenvelope: bounces@bounce.brand.nl\n",
    ),
    # a single-label author domain
    (
        "envelope: b@x.com\nfrom: Brightwave <news@brightwave>\n",
        [("AC202", 2, 7)],
        "envelope: b@x.com\nfrom: Brightwave <news@brightwave.nl>\n",
    ),
    (
        "envelope: b@x.com\nfrom: news@brightwave\n",
        [("AC202", 2, 7)],
        "envelope: b@x.com\nfrom: news@brightwave.nl\n",
    ),
    (
        "from: a@x.com\nenvelope: bö@x.com\n",
        [("AC300", 2, 11)],
        "from: a@x.com\nenvelope: b@bücher.example\n",
    ),
    # AC303 null-reverse-path
    (
        "from: a@x.com\ntrackbounces: false\n",
        [("AC303", 2, 15)],
        "from: a@x.com\nenvelope: b@x.com\ntrackbounces: false\n",
    ),
    # the header in `mime` overrides the property, both ways: at the header's line
    (
        "mime: |\n  From: a@x.com\n  X-SMTPeter-TrackBounces: false\n\n  hi\n",
        [("AC303", 3, 3)],
        "trackbounces: false\nmime: |\n  From: a@x.com\n  X-SMTPeter-TrackBounces: true\n\n  hi\n",
    ),
    # AC400 .. AC407 (the DSN table of the core issue)
    (ENV + "dsn:\n  notify: NEVER,FAILURE\n", [("AC400", 4, 11)], ENV + "dsn:\n  notify: NEVER\n"),
    (ENV + "dsn:\n  notify: BOUNCE\n", [("AC400", 4, 11)], ENV + "dsn:\n  notify: FAILURE\n"),
    (ENV + "dsn:\n  notify: FAILURE,\n", [("AC400", 4, 11)], ENV + "dsn:\n  notify: FAILURE\n"),
    (
        ENV + "dsn:\n  notify: SUCCESS, FAILURE\n",
        [("AC403", 4, 11), ("AC404", 4, 11)],
        ENV + "dsn:\n  notify: DELAY,FAILURE\n",
    ),
    (ENV + "dsn:\n  notify: failure\n", [("AC403", 4, 11)], ENV + "dsn:\n  notify: FAILURE\n"),
    (
        ENV + "dsn:\n  notify: SUCCESS,SUCCESS\n",
        [("AC403", 4, 11), ("AC404", 4, 11)],
        ENV + "dsn:\n  notify: DELAY\n",
    ),
    (ENV + "dsn:\n  ret: HEADERS\n", [("AC401", 4, 8)], ENV + "dsn:\n  ret: HDRS\n"),
    (ENV + "dsn:\n  ret: hdrs\n", [("AC403", 4, 8)], ENV + "dsn:\n  ret: HDRS\n"),
    (ENV + "dsn:\n  ret: FULL\n", [("AC407", 4, 8)], ENV + "dsn:\n  ret: HDRS\n"),
    (
        ENV + "dsn:\n  envid: " + "e" * 101 + "\n",
        [("AC405", 4, 10)],
        ENV + "dsn:\n  envid: " + "e" * 100 + "\n",
    ),
    (ENV + "dsn:\n  envid: 'caf\u00e9'\n", [("AC405", 4, 10)], ENV + "dsn:\n  envid: cafe\n"),
    (ENV + "dsn:\n  envid: 'run 42'\n", [("AC405", 4, 10)], ENV + "dsn:\n  envid: run-42\n"),
    # AC408 dsn-orcpt-invalid
    (
        ENV + "recipient: jane@example.org\ndsn:\n  orcpt: x400;jane@example.org\n",
        [("AC408", 5, 10)],
        ENV + "recipient: jane@example.org\ndsn:\n  orcpt: utf-8;jane@example.org\n",
    ),
    (
        ENV + "recipient: jane@example.org\ndsn:\n  orcpt: 'rfc822;'\n",
        [("AC408", 5, 10)],
        ENV + "recipient: jane@example.org\ndsn:\n  orcpt: 'rfc822; jane@example.org'\n",
    ),
    (
        ENV + "recipient: jane@example.org\ndsn:\n  orcpt: rfc822;jane\n",
        [("AC408", 5, 10)],
        ENV + "recipient: '{$email}'\ndsn:\n  orcpt: 'rfc822;{$email}'\n",
    ),
    (
        "from: a@x.com\ndsn:\n  notify: FAILURE\n",
        [("AC402", 2, 1)],
        "from: a@x.com\nenvelope: b@x.com\ndsn:\n  notify: FAILURE\n",
    ),
    (
        ENV + "recipient: jane@example.org\ndsn:\n  orcpt: rfc822;john@example.org\n",
        [("AC406", 5, 10)],
        ENV + "recipient: jane@example.org\ndsn:\n  orcpt: rfc822;jane@EXAMPLE.org\n",
    ),
    (
        ENV + "recipient: jane@example.org\ndsn:\n  orcpt: john@example.org\n",
        [("AC406", 5, 10)],
        ENV + "recipient: jane@example.org\ndsn:\n  orcpt: jane@example.org\n",
    ),
]


@pytest.mark.parametrize(("failing", "expected", "passing"), CASES)
def test_rule_fires_at_location_and_corrected_input_is_quiet(
    tmp_path: Path, failing: str, expected: list[tuple[str, int, int]], passing: str
) -> None:
    assert located(lint_text(tmp_path, failing)) == expected
    assert located(lint_text(tmp_path, passing)) == []


@pytest.mark.parametrize(
    ("author", "at"),
    [
        ("from: '{$from}'", (2, 7)),
        ("from: 'Shop <{$email}>'", (2, 7)),
        ("from: {name: Shop, address: '{$email}'}", (2, 29)),
        ("mime: |\n  From: {$from}\n\n  hi", (3, 3)),
    ],
)
def test_an_author_address_that_is_a_variable_is_ac203(
    tmp_path: Path, author: str, at: tuple[int, int]
) -> None:
    """It was AC202, an error: a From filled in at send time failed the gate (spec §1: an
    address that is a variable makes its domain unknowable, AC203)."""
    [finding] = lint_text(tmp_path, f"envelope: b@x.com\n{author}\n")
    assert (finding.rule, finding.line, finding.column) == ("AC203", *at)
    assert "is a personalization variable: not checked" in finding.message


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("notify: ''", "notify is empty: use NEVER, or a comma list of SUCCESS, FAILURE, DELAY"),
        (
            "notify: 'FAILURE,'",
            "notify `FAILURE,` is invalid (empty item in the comma list): use NEVER, or a comma "
            "list of SUCCESS, FAILURE, DELAY",
        ),
        ("ret: ' '", "ret is empty: use FULL or HDRS"),
        ("ret: HEADERS", "ret `HEADERS` is invalid: use FULL or HDRS"),
    ],
)
def test_an_empty_dsn_value_is_called_empty(tmp_path: Path, dsn: str, message: str) -> None:
    """`notify `` is invalid (empty item in the comma list)` quoted nothing."""
    [finding] = lint_text(tmp_path, ENV + f"dsn: {{{dsn}}}\n")
    assert finding.message == message


@pytest.mark.parametrize(
    ("notify", "infos"),
    [("SUCCESS,FAILURE", ["AC404"]), ("NEVER", []), ("DELAY", []), ("FAILURE", [])],
)
def test_valid_notify_values_pass(tmp_path: Path, notify: str, infos: list[str]) -> None:
    findings = lint_text(tmp_path, ENV + f"dsn:\n  notify: {notify}\n")
    assert [f.rule for f in findings] == infos


@pytest.mark.parametrize(("ret", "infos"), [("FULL", ["AC407"]), ("HDRS", [])])
def test_valid_ret_values_pass(tmp_path: Path, ret: str, infos: list[str]) -> None:
    assert [f.rule for f in lint_text(tmp_path, ENV + f"dsn:\n  ret: {ret}\n")] == infos


def test_from_header_in_block_scalar_points_at_its_own_line(tmp_path: Path) -> None:
    text = "envelope: b@x.com\nmime: |\n  Subject: hi\n  From: info@example.com.\n\n  body\n"
    assert located(lint_text(tmp_path, text)) == [("AC202", 4, 3)]


def test_problem_in_json_mime_points_at_the_mime_value(tmp_path: Path) -> None:
    text = (
        '{\n  "envelope": "b@x.com",\n'
        '  "mime": "Subject: x\\r\\nFrom: a@x.com, b@x.com\\r\\n\\r\\nhi"\n}\n'
    )
    assert located(lint_text(tmp_path, text, "send.json")) == [("AC201", 3, 11)]


def test_value_from_defaults_is_reported_once_where_written(tmp_path: Path) -> None:
    text = (
        "defaults:\n  envelope: Bounces <b@x.com>\n"
        "sends:\n  - from: a@x.com\n  - from: c@x.com\n  - from: d@x.com\n    envelope: b@x.com\n"
    )
    findings = lint_text(tmp_path, text)
    assert located(findings) == [("AC300", 2, 13)]
    assert findings[0].send == 0


def test_dsn_is_taken_whole_from_defaults(tmp_path: Path) -> None:
    text = (
        "defaults:\n  envelope: b@x.com\n  dsn: {notify: SUCCESS}\n"
        "sends:\n  - from: a@x.com\n    dsn: {ret: FULL}\n"
    )
    # The send's own dsn replaces the default one: no AC404 from the default notify.
    assert located(lint_text(tmp_path, text)) == [("AC407", 6, 16)]
