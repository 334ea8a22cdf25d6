"""The JSON Schema of a send file: a valid Draft 2020-12 schema, shipped as `aligncheck schema`
prints it, and in agreement with aligncheck: a document the schema rejects is one where
aligncheck reports a structure, type, unknown-property or DSN-value finding, and the other way
round, over the examples, every rule's documented examples and a table of edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from aligncheck.cli import main
from aligncheck.rules import RULES
from aligncheck.rules.dsn import parse_notify
from aligncheck.schema import build, notify_values
from tests.helpers import lint_text

ROOT = Path(__file__).parents[2]
SHIPPED = ROOT / "schema" / "send-file.schema.json"
# The findings the schema stands for (AC100, a file that does not parse, has no document).
SCHEMA_RULES = {"AC101", "AC102", "AC103", "AC400", "AC401", "AC403"}
VALIDATOR = jsonschema.Draft202012Validator(build())


def test_a_valid_schema_shipped_as_printed(capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema.Draft202012Validator.check_schema(build())
    assert main(["schema"]) in (0, None)
    assert capsys.readouterr().out == SHIPPED.read_text(encoding="utf-8")


def test_notify_values_are_the_canonical_ones() -> None:
    values = notify_values()
    assert len(values) == len(set(values)) == 16
    for value in values:
        parsed = parse_notify(value)
        assert parsed.error is None and parsed.flaws == () and parsed.canonical == value


def schema_valid(text: str) -> bool:
    documents = [d for d in yaml.safe_load_all(text) if d is not None]
    return all(VALIDATOR.is_valid(document) for document in documents)


def agree(tmp_path: Path, text: str, name: str = "send.yaml") -> tuple[bool, set[str]]:
    reported = {f.rule for f in lint_text(tmp_path, text, name)}
    found = reported & SCHEMA_RULES
    try:
        valid = schema_valid(text)
    except yaml.YAMLError:  # no document to validate: aligncheck says AC100
        return "AC100" in reported, reported
    return valid == (not found), found


def corpus() -> list[tuple[str, str, str]]:
    """(label, text, file name): the examples and every rule's examples."""
    found = []
    for path in sorted((ROOT / "examples").glob("*.y*ml")) + sorted(
        (ROOT / "examples").glob("*.json")
    ):
        found.append((path.name, path.read_text(encoding="utf-8"), path.name))
    for rule in RULES.values():
        found.append((f"{rule.code} failing", rule.failing, "send.yaml"))
        found.append((f"{rule.code} passing", rule.passing, "send.yaml"))
    return found


@pytest.mark.parametrize(("label", "text", "name"), corpus(), ids=lambda v: str(v)[:30])
def test_agrees_on_the_corpus(tmp_path: Path, label: str, text: str, name: str) -> None:
    agreed, found = agree(tmp_path, text, name)
    assert agreed, (label, found, schema_valid(text))


TABLE = [
    # (send file, schema-valid)
    ("from: a@example.com\nenvelope: b@example.com\n", True),
    ("from: a@example.com\nenvelop: b@example.com\n", False),  # AC103
    ("from: a@example.com\nEnvelope: b@example.com\n", False),  # AC103, a case variant
    ("from: a@example.com\ntrackbounces: 'yes'\n", False),  # AC102
    ("from: a@example.com\nsubject: 2024\n", False),  # AC102
    ("from: {name: Shop, address: a@example.com}\n", True),
    ("from: a@example.com\ntemplate: 12\n", True),
    ("from: a@example.com\nrecipients: [a@example.org, 5]\n", False),  # AC102 per entry
    ("from: a@example.com\nrecipients: {a@example.org: {name: A}}\n", True),
    ("from: a@example.com\ndsn: {notify: 'FAILURE,DELAY', ret: HDRS}\n", True),
    ("from: a@example.com\ndsn: {notify: failure}\n", False),  # AC403
    ("from: a@example.com\ndsn: {notify: 'NEVER,FAILURE'}\n", False),  # AC400
    ("from: a@example.com\ndsn: {ret: HEADERS}\n", False),  # AC401
    ("from: a@example.com\ndsn: {notfy: NEVER}\n", False),  # AC103 in dsn
    ("from: a@example.com\ndsn: FAILURE\n", False),  # AC102
    ("- from: a@example.com\n- from: b@example.com\n", True),
    ("- from: a@example.com\n- just text\n", False),  # AC101
    ("sends:\n  - to: [x@example.org]\ndefaults:\n  from: a@example.com\n", True),
    ("sends:\n  - from: a@example.com\nother: 1\n", False),  # AC103 beside sends
    # an extension key for anchors, as docker-compose has them
    ("x-common: &c\n  from: a@example.com\nsends:\n  - <<: *c\n", True),
    ("x-common: &c\n  from: a@example.com\n<<: *c\n", False),  # a send's own key: AC103
    ("sends: {from: a@example.com}\n", False),  # AC101
    ("sends:\n  - from: a@example.com\ndefaults: [1]\n", False),  # AC102
    ("sends:\n  - from: a@example.com\ndefaults:\n  trackopens: maybe\n", False),  # AC102
    ("from: a@example.com\nx-aligncheck: {ignore: [AC403]}\n", True),
    ("from: a@example.com\nx-aligncheck: {ignroe: [AC403]}\n", False),  # AC103 inside it
    ("from: a@example.com\nx-aligncheck: {ignore: AC403}\n", False),  # AC102 inside it
    ("x-aligncheck: {ignore: [AC4]}\nsends:\n  - from: a@example.com\n", True),
    ("x-aligncheck: [AC4]\nsends:\n  - from: a@example.com\n", False),  # AC102
    ('{"from": "a@example.com", "envelope": "b@example.com"}', True),
    ('{"from": "a@example.com", "dsn": {"ret": "full"}}', False),  # AC403
]


@pytest.mark.parametrize(("text", "valid"), TABLE)
def test_agrees_on_the_table(tmp_path: Path, text: str, valid: bool) -> None:
    name = "send.json" if text.startswith("{") else "send.yaml"
    agreed, found = agree(tmp_path, text, name)
    assert schema_valid(text) == valid, found
    assert agreed, found


def test_examples_validate_except_the_dsn_mistakes() -> None:
    """Every example a user copies validates; `dsn-mistakes.yaml` holds AC400/AC401/AC403 on
    purpose."""
    for path in sorted((ROOT / "examples").glob("*.y*ml")):
        assert schema_valid(path.read_text()) == (path.name != "dsn-mistakes.yaml"), path.name
    for path in sorted((ROOT / "examples").glob("*.json")):
        assert VALIDATOR.is_valid(json.loads(path.read_text())), path.name


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"sends": [{"from": "a@example.com", "dsn": {"ret": "x"}}]}, ["sends", 0, "dsn", "ret"]),
        ([{"from": "a@example.com", "trackbounces": "yes"}], [0, "trackbounces"]),
        ({"from": "a@example.com", "dsn": {"notify": "never"}}, ["dsn", "notify"]),
    ],
)
def test_an_editor_is_told_where_the_mistake_is(document: object, where: list[object]) -> None:
    """The shapes are told apart by if/then/else, so the error is the value's own, not
    `valid under none of the shapes`."""
    error = jsonschema.exceptions.best_match(VALIDATOR.iter_errors(document))
    assert error is not None and list(error.absolute_path) == where
