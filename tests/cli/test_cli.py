"""The CLI as users run it: exit statuses, formats, selection, stdin, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aligncheck.cli import main
from aligncheck.rules import RULES

BAD = (
    "from: info@example.com\nenvelope: bounces@example.com\n"
    "dsn:\n  notify: failure\n  ret: HEADERS\n"
)
GOOD = "from: info@example.com\nenvelope: bounces@example.com\n"


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_text_output_and_exit_status(capsys: pytest.CaptureFixture[str], bad_file: Path) -> None:
    status, out, _ = run(capsys, "check", "--offline", str(bad_file))
    assert status == 1
    assert out.splitlines() == [
        f"{bad_file}:4:11: AC403 [warning] notify `failure` is not canonical (lower case): "
        "write `FAILURE`",
        f"{bad_file}:5:8: AC401 [error] ret `HEADERS` is invalid: use FULL or HDRS",
        "Found 2 findings (1 error, 1 warning, 0 info) in 1 file, 1 send.",
    ]


def test_clean_file_exits_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    status, out, _ = run(capsys, "check", "--offline", str(tmp_path / "good.yaml"))
    assert (status, out) == (0, "No findings (1 file, 1 send checked).\n")


def test_json_output_follows_the_contract(
    capsys: pytest.CaptureFixture[str], bad_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(bad_file.parent)
    status, out, _ = run(capsys, "check", "--offline", "--format", "json", "bad.yaml")
    assert status == 1
    document = json.loads(out)
    assert document["version"] == 1
    assert document["tool"] == {"name": "aligncheck", "version": "0.1.0"}
    assert document["summary"] == {"files": 1, "sends": 1, "error": 1, "warning": 1, "info": 0}
    assert document["findings"][1] == {
        "path": "bad.yaml",
        "line": 5,
        "column": 8,
        "rule": "AC401",
        "name": "dsn-ret-invalid",
        "severity": "error",
        "message": "ret `HEADERS` is invalid: use FULL or HDRS",
        "send": 0,
    }


@pytest.mark.parametrize(
    ("args", "status", "rules"),
    [
        (["--select", "AC403"], 0, ["AC403"]),
        (["--select", "dsn-ret-invalid"], 1, ["AC401"]),
        (["--ignore", "AC4"], 0, []),
        (["--select", "AC4", "--ignore", "AC401"], 0, ["AC403"]),
        (["--ignore", "AC4", "--select", "AC401"], 1, ["AC401"]),
        (["--fail-on", "warning", "--ignore", "AC401"], 1, ["AC403"]),
        (["--exit-zero"], 0, ["AC403", "AC401"]),
    ],
)
def test_selection_and_fail_on(
    capsys: pytest.CaptureFixture[str],
    bad_file: Path,
    args: list[str],
    status: int,
    rules: list[str],
) -> None:
    code, out, _ = run(capsys, "check", "--offline", "--format", "json", *args, str(bad_file))
    assert code == status
    assert [f["rule"] for f in json.loads(out)["findings"]] == rules


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["check", "--select", "AC999", "x.yaml"],
        ["check", "--format", "xml", "x.yaml"],
        ["nonsense"],
        ["rules", "AC999"],
        ["check", "--fail-on", "fatal", "x.yaml"],
        ["check", "--dns-timeout", "0.01", "x.yaml"],
        ["check", "-", "-"],
        ["check", "--offline", "--snapshot", "dns.json", "x.yaml"],
        ["check", "--nameserver", "127.0.0.1", "--snapshot", "dns.json", "x.yaml"],
        ["check", "--snapshot", "dns.json", "--no-snapshot", "x.yaml"],
        ["check", "--nameserver", "bad host", "x.yaml"],
        ["explain", "--offline", "example.com"],
        ["snapshot", "x.yaml"],
    ],
)
def test_usage_errors_exit_two_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("aligncheck: error: "), err


@pytest.mark.parametrize("path", ["mail/welcome.yaml", "welcome.JSON"])
def test_a_file_given_to_explain_for_a_domain_points_to_check(
    capsys: pytest.CaptureFixture[str], path: str
) -> None:
    """It said the name was not valid IDNA2008, or asked DNS about `welcome.json`. (`spf`
    takes any name: spec §7 gives one that is no valid domain `none`.)"""
    status, out, err = run(capsys, "explain", path, "--snapshot", "missing.json")
    assert (status, out) == (2, "")
    assert err == (
        f"aligncheck: error: `{path}` looks like a file: `explain` takes a domain "
        f"(`aligncheck check {path}` checks a file) (see `aligncheck explain --help`)\n"
    )


def test_quiet_prints_findings_only(capsys: pytest.CaptureFixture[str], bad_file: Path) -> None:
    _, loud, loud_err = run(capsys, "check", "--offline", str(bad_file))
    status, quiet, quiet_err = run(capsys, "check", "--offline", "-q", str(bad_file))
    assert status == 1
    assert quiet == "".join(line + "\n" for line in loud.splitlines()[:-1])
    assert loud_err and not quiet_err  # the offline note is a note


@pytest.mark.parametrize(
    ("argv", "note"),
    [
        (
            ("check", "--select", "AC301,AC706,AC4"),
            "aligncheck: offline: DNS rules skipped (AC301, AC706)",
        ),
        (("check", "--select", "AC4"), None),  # no DNS rule selected: nothing was skipped
        (
            ("audit", "--select", "AC4", "--format", "json"),
            "aligncheck: offline: DNS not asked, so every send's outcome is unknown",
        ),
    ],
)
def test_the_offline_note_names_the_dns_rules_selected(
    capsys: pytest.CaptureFixture[str], bad_file: Path, argv: tuple[str, ...], note: str | None
) -> None:
    _, _, err = run(capsys, *argv, "--offline", str(bad_file))
    notes = [line for line in err.splitlines() if "offline" in line]
    assert notes == ([] if note is None else [note])


def test_no_offline_note_where_no_send_was_found(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    status, out, err = run(capsys, "check", "--offline", str(tmp_path))
    assert (status, out, err) == (0, "No findings (0 files, 0 sends checked).\n", "")


def test_missing_path_is_one_line_and_exit_two_other_files_still_checked(
    capsys: pytest.CaptureFixture[str], bad_file: Path
) -> None:
    status, out, err = run(capsys, "check", "--offline", "missing.yaml", str(bad_file))
    assert status == 2
    assert "aligncheck: error: missing.yaml: no such file or directory" in err.splitlines()
    assert "AC401" in out


def test_stdin_with_filename(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD.encode())))
    status, out, _ = run(capsys, "check", "--offline", "--stdin-filename", "mail/x.yaml", "-")
    assert status == 1
    assert out.startswith("mail/x.yaml:4:11: AC403")


def test_output_file(capsys: pytest.CaptureFixture[str], bad_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    status, out, _ = run(
        capsys, "check", "--offline", "--format", "json", "-o", str(target), str(bad_file)
    )
    assert status == 1
    assert out == ""
    assert json.loads(target.read_text())["summary"]["error"] == 1


def test_version_names_the_psl_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--version")
    assert status == 0
    assert out.startswith("aligncheck 0.1.0 (Public Suffix List snapshot 20")


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "rules")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == list(RULES)


@pytest.mark.parametrize("selector", ["AC403", "dsn-non-canonical", "ac403"])
def test_rules_shows_one_rule_with_examples(
    capsys: pytest.CaptureFixture[str], selector: str
) -> None:
    status, out, _ = run(capsys, "rules", selector)
    assert status == 0
    assert out.startswith("AC403 dsn-non-canonical (warning)")
    assert "Fails:\n" in out and "Passes:\n" in out


def test_rules_table_columns_line_up(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rules")
    severity_columns = {line.index(f" {RULES[line[:5]].severity} ") for line in out.splitlines()}
    assert len(severity_columns) == 1  # the longest name (AC306's) does not push it out


def test_rules_under_a_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "rules", "AC4")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == [c for c in RULES if c[:3] == "AC4"]


@pytest.mark.parametrize("code", [code for code, rule in RULES.items() if rule.dns])
def test_dns_rule_examples_show_their_records(
    capsys: pytest.CaptureFixture[str], code: str
) -> None:
    rule = RULES[code]
    _, text, _ = run(capsys, "rules", code)
    name, rdtype, value = rule.dns[0]
    assert f"  with DNS:\n    {name} {rdtype} {value}\n" in text
    _, listing, _ = run(capsys, "rules", code, "--format", "json")
    [entry] = json.loads(listing)
    assert entry["failing_dns"][0] == {"name": name, "type": rdtype, "value": value}
    assert len(entry["passing_dns"]) == len(rule.passing_records)


HEAVY = (
    "dns",
    "tldextract",
    "asyncio",
    "cryptography",
    "tomllib",  # no configuration file here: nothing to parse
    "aligncheck.resolver.client",
    "aligncheck.dmarc.discovery",
    "aligncheck.spf.evaluate",
    "aligncheck.dkim.key",
)


@pytest.mark.parametrize(
    ("text", "options", "status"),
    [
        # --offline: nothing of DNS is loaded
        (BAD, ["--offline"], 1),
        # without --offline too: sends whose author comes from a template ask DNS nothing
        ("recipient: a@example.org\ntemplate: 12\n", [], 0),
    ],
)
def test_run_that_needs_no_dns_imports_no_dns_code(
    tmp_path: Path, text: str, options: list[str], status: int
) -> None:
    path = tmp_path / "send.yaml"
    path.write_text(text)
    code = (
        "import sys\nfrom aligncheck.cli import main\n"
        f"status = main(['check', *{options!r}, {str(path)!r}])\n"
        f"heavy = sorted(m for m in sys.modules if m in {HEAVY!r} or m.split('.')[0] in "
        f"{HEAVY!r})\n"
        "print('HEAVY', status, heavy)\n"
    )
    result = subprocess.run(  # away from this repository's pyproject.toml
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.stdout.splitlines()[-1] == f"HEAVY {status} []"


def test_offline_run_shared_out_imports_no_dns_code(tmp_path: Path) -> None:
    # reading files in worker processes loads the DNS code meanwhile, unless offline
    for number in range(3):
        (tmp_path / f"send-{number}.yaml").write_text(BAD)
    code = (
        "import sys\nfrom aligncheck import engine, parallel\nfrom aligncheck.cli import main\n"
        "engine.PARALLEL_FILES = 1\nparallel.os.cpu_count = lambda: 2\n"
        f"status = main(['check', '--offline', {str(tmp_path)!r}])\n"
        f"heavy = sorted(m for m in sys.modules if m in {HEAVY!r} or m.split('.')[0] in "
        f"{HEAVY!r})\n"
        "print('HEAVY', status, heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.stdout.splitlines()[-1] == "HEAVY 1 []"


def test_module_entry_point(bad_file: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aligncheck", "check", "--offline", str(bad_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "AC401" in result.stdout


def _many_findings(tmp_path: Path, sends: int) -> Path:
    path = tmp_path / "many.yaml"
    lines = ["sends:"] + [
        f"  - {{from: a@example.com, recipient: r{i}@example.org, dsn: {{notify: BAD}}}}"
        for i in range(sends)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_command_leaves_with_its_status_and_its_whole_output(tmp_path: Path) -> None:
    # the command leaves without tearing its objects down: the output is flushed first
    path = _many_findings(tmp_path, 3000)
    result = subprocess.run(
        [sys.executable, "-m", "aligncheck", "check", "--offline", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert len(json.loads(result.stdout)["findings"]) == 6000


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    path = _many_findings(tmp_path, 3000)
    with subprocess.Popen(
        [sys.executable, "-m", "aligncheck", "check", "--offline", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert b"AC40" in process.stdout.readline()
        process.stdout.close()  # as `| head -1` does
        errors = process.stderr.read().decode()
        assert process.wait(timeout=60) in (0, 1)
    assert "Traceback" not in errors
    assert "Exception ignored" not in errors


def test_a_bug_is_one_line_and_exit_2_and_debug_shows_where(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, bad_file: Path
) -> None:
    from aligncheck import engine

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(engine, "check_plan", broken)
    status, out, err = run(capsys, "check", "--offline", str(bad_file))
    assert (status, out) == (2, "")
    assert err == "aligncheck: internal error: ZeroDivisionError: a bug\n"
    status, _, err = run(capsys, "check", "--offline", "--debug", str(bad_file))
    assert status == 2
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith("aligncheck: internal error: ZeroDivisionError: a bug\n")


def test_an_interrupted_run_says_aborted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, bad_file: Path
) -> None:
    from aligncheck import engine

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C

    monkeypatch.setattr(engine, "check_plan", interrupted)
    status, out, err = run(capsys, "check", "--offline", str(bad_file))
    assert (status, out) == (2, "")
    assert err.splitlines()[-1] == "aligncheck: aborted" and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (("rules", "AC9"), "unknown rule `AC9` (see `aligncheck rules`)"),  # no rule near
        (
            ("rules", "AC8O2"),
            "unknown rule `AC8O2` (did you mean `AC802`?) (see `aligncheck rules`)",
        ),
        (
            ("rules", "dkim-revokd"),
            "unknown rule `dkim-revokd` (did you mean `dkim-key-revoked`?) "
            "(see `aligncheck rules`)",
        ),
        (
            ("check", "--select", "AC7O1", "x.yaml"),
            "unknown rule selector `AC7O1` (did you mean `AC701`?) (see `aligncheck rules`)",
        ),
        (
            ("check", "--ignore", "AC3011", "x.yaml"),
            "unknown rule selector `AC3011` (see `aligncheck rules`)",
        ),
        (("audit", "-", "-"), "stdin (-) can be named only once (see `aligncheck audit --help`)"),
        (
            ("rules", "--format", "xml"),
            "Invalid value for '--format': 'xml' is not one of 'text', 'json', 'markdown'. "
            "(see `aligncheck rules --help`)",
        ),
    ],
)
def test_usage_errors_of_rules_and_audit(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], line: str
) -> None:
    """One line each, ending with one place to look (never two)."""
    status, out, err = run(capsys, *argv)
    assert (status, out, err) == (2, "", f"aligncheck: error: {line}\n")
