"""Report formats: SARIF (schema and GitHub's rules), GitHub annotations, GitLab, JUnit,
statistics and colour."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from aligncheck.cli import main
from aligncheck.findings import Finding, Report, Severity
from aligncheck.report import github, gitlab, junit, sarif
from aligncheck.rules import RULES, docs

ROOT = Path(__file__).parents[2]
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"  # vendored OASIS schema
SNAPSHOT = "examples/dns/snapshot.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def finding(**changes: object) -> Finding:
    values: dict[str, object] = {
        "path": "mail/a.yaml",
        "line": 3,
        "column": 5,
        "rule": "AC301",
        "name": "envelope-misaligned",
        "severity": Severity.ERROR,
        "message": "m",
        "send": 0,
    }
    values.update(changes)
    return Finding(**values)  # type: ignore[arg-type]


@pytest.mark.usefixtures("in_root")
def test_sarif_for_the_examples_is_valid_and_meets_githubs_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "check", "--snapshot", SNAPSHOT, "--format", "sarif", "examples/")
    assert status == 1
    log = json.loads(out)
    schema = json.loads(SCHEMA.read_text())
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(log))
    assert errors == []
    assert log["$schema"] and log["version"] == "2.1.0"
    [run_] = log["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    for rule in rules:
        assert rule["shortDescription"]["text"] and len(rule["shortDescription"]["text"]) <= 1024
        assert rule["fullDescription"]["text"] and len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["helpUri"].startswith("https://")
    assert run_["results"]
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        uri = location["artifactLocation"]["uri"]
        assert uri.startswith("examples/") and "://" not in uri
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
        assert result["partialFingerprints"]["primaryLocationLineHash"]
    fingerprints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run_["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_sarif_uri_is_relative_and_forward_slashed() -> None:
    log = json.loads(sarif.render(Report([finding(path="./mail/x.yaml")], 1, 1)))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "mail/x.yaml"


def test_github_annotation_escaping() -> None:
    tricky = finding(path="dir,odd:name%.yaml", message="100% sure\r\nline two, a:b")
    first = github.render(Report([tricky], 1, 1)).splitlines()[0]
    assert first == (
        "::error file=dir%2Codd%3Aname%25.yaml,line=3,col=5,title=AC301 envelope-misaligned"
        "::100%25 sure%0D%0Aline two, a:b"
    )


@pytest.mark.parametrize(
    ("value", "data", "prop"),
    [
        ("%", "%25", "%25"),
        (":", ":", "%3A"),
        (",", ",", "%2C"),
        ("\r", "%0D", "%0D"),
        ("\n", "%0A", "%0A"),
        ("%0A", "%250A", "%250A"),
    ],
)
def test_github_escape_table(value: str, data: str, prop: str) -> None:
    assert (github.escape_data(value), github.escape_property(value)) == (data, prop)


@pytest.mark.usefixtures("in_root")
def test_github_format_ends_with_a_plain_summary(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys, "check", "--offline", "--format", "github", "examples/dsn-mistakes.yaml"
    )
    lines = out.splitlines()
    assert lines[0].startswith("::warning file=examples/dsn-mistakes.yaml,line=7,col=15,")
    assert lines[-1].startswith("Found ")
    assert any(line.startswith("examples/dsn-mistakes.yaml:8:12: AC401") for line in lines)


def test_gitlab_code_quality() -> None:
    report = Report([finding(severity=Severity.WARNING), finding(severity=Severity.WARNING)], 1, 1)
    issues = json.loads(gitlab.render(report))
    assert isinstance(issues, list) and len(issues) == 2
    assert issues[0]["check_name"] == "AC301 envelope-misaligned"
    assert issues[0]["severity"] == "minor"
    assert issues[0]["location"] == {"path": "mail/a.yaml", "lines": {"begin": 3}}
    assert issues[0]["description"]
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]
    assert not gitlab.render(report).startswith("\ufeff")


def test_junit_has_a_case_per_finding_and_per_clean_file() -> None:
    report = Report([finding()], 2, 2, paths=("mail/a.yaml", "mail/clean.yaml"))
    root = ElementTree.fromstring(junit.render(report))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["mail/a.yaml", "mail/clean.yaml"]
    assert suites[0].get("failures") == "1"
    failure = suites[0].find("testcase/failure")
    assert failure is not None and failure.get("message") == "m"
    assert suites[1].find("testcase/failure") is None


@pytest.mark.usefixtures("in_root")
def test_statistics(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", "--offline", "--statistics", "examples/dsn-mistakes.yaml")
    assert status == 1
    assert out.splitlines()[0] == "     2  AC403  dsn-non-canonical"
    assert out.splitlines()[-1].startswith("Found 8 findings")


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize(
    ("argv", "no_color", "coloured"),
    [
        (["--color", "always"], "", True),
        (["--color", "never"], "", False),
        (["--color", "auto"], "", False),  # captured output is not a terminal
        ([], "1", False),
    ],
)
def test_color(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    no_color: str,
    coloured: bool,
) -> None:
    monkeypatch.setenv("NO_COLOR", no_color)
    _, out, _ = run(capsys, "check", "--offline", *argv, "examples/dsn-mistakes.yaml")
    assert ("\x1b[" in out) is coloured


def test_rules_doc_is_generated_from_the_registry() -> None:
    assert (ROOT / "docs" / "rules.md").read_text() == docs.markdown(list(RULES.values()))


DEFAULTS_FILE = (
    "defaults:\n"
    "  envelope: Bounces <b@example.com>\n"
    "sends:\n"
    "  - from: a@example.com\n"
    "  - from: b@example.com\n"
    "  - from: c@example.com\n"
    "    envelope: c@example.com\n"
)


def test_a_finding_from_defaults_says_which_sends_it_stands_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sends.yaml"
    path.write_text(DEFAULTS_FILE)
    main(["check", "--offline", "-q", str(path)])
    text = capsys.readouterr().out
    assert text == (
        f"{path}:2:13: AC300 [error] envelope `Bounces <b@example.com>` is invalid: display "
        "names and angle brackets are not allowed (write `b@example.com`) "
        "(for sends at lines 4, 5)\n"
    )
    main(["check", "--offline", "--format", "json", str(path)])
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert (finding["send"], finding["sends"]) == (0, [0, 1])
