"""`check --fix` and `--diff`: a table of file bytes before and after (comments next to the
value, flow and block style, quoted and plain scalars, CRLF, a BOM, a value from `defaults:`,
JSON indentation), idempotence, a diff that `patch` applies to give what --fix writes, stdin,
and fixes that are refused rather than allowed to change what a file means."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aligncheck.cli import main

BOM = b"\xef\xbb\xbf"

TABLE = [
    # (name, file name, before, after)
    (
        "plain value, comment beside it",
        "a.yaml",
        b"from: a@example.com\ndsn:\n  notify: failure   # only failures\n",
        b"from: a@example.com\ndsn:\n  notify: FAILURE   # only failures\n",
    ),
    (
        "flow mapping, two fixes on one line, widths change",
        "a.yaml",
        b'from: a@example.com\ndsn: {notify: "success, failure", ret: hdrs}  # x\n',
        b'from: a@example.com\ndsn: {notify: "SUCCESS,FAILURE", ret: HDRS}  # x\n',
    ),
    (
        "single-quoted stays single-quoted",
        "a.yaml",
        b"from: a@example.com\ndsn:\n  ret:   'full'\n",
        b"from: a@example.com\ndsn:\n  ret:   'FULL'\n",
    ),
    (
        "envelope with a display name, quoted",
        "a.yaml",
        b'from: a@example.com\nenvelope: "Bounces <b@example.com>" # box\n',
        b'from: a@example.com\nenvelope: "b@example.com" # box\n',
    ),
    (
        "envelope in angle brackets, plain",
        "a.yaml",
        b"from: a@example.com\nenvelope: <b+{$id}@example.com>\n",
        b"from: a@example.com\nenvelope: b+{$id}@example.com\n",
    ),
    (
        "a key's case variant, then the value it reveals",
        "a.yaml",
        b"from: a@example.com\nEnvelope: Bounces <b@example.com>\nreply_to: r@example.com\n",
        b"from: a@example.com\nenvelope: b@example.com\nreplyto: r@example.com\n",
    ),
    (
        "CRLF line endings and a BOM",
        "a.yaml",
        BOM + b"from: a@example.com\r\ndsn:\r\n  notify: delay , failure\r\n",
        BOM + b"from: a@example.com\r\ndsn:\r\n  notify: DELAY,FAILURE\r\n",
    ),
    (
        "a value in defaults: fixed once, where it is written",
        "a.yaml",
        b"defaults:\n  dsn: {notify: never}\nsends:\n  - from: a@example.com\n"
        b"  - from: b@example.com\n",
        b"defaults:\n  dsn: {notify: NEVER}\nsends:\n  - from: a@example.com\n"
        b"  - from: b@example.com\n",
    ),
    (
        "JSON: indentation and key order kept",
        "a.json",
        b'{\n    "Envelope": "<b@example.com>",\n      "from":"a@example.com",\n'
        b'    "dsn": {"ret": "hdrs"}\n}',
        b'{\n    "envelope": "b@example.com",\n      "from":"a@example.com",\n'
        b'    "dsn": {"ret": "HDRS"}\n}',
    ),
    (
        "JSON with a BOM and CRLF",
        "a.json",
        BOM + b'{\r\n  "from": "a@example.com",\r\n  "dsn": {"notify": "Delay"}\r\n}\r\n',
        BOM + b'{\r\n  "from": "a@example.com",\r\n  "dsn": {"notify": "DELAY"}\r\n}\r\n',
    ),
    (
        "a list of sends, several documents",
        "a.yaml",
        b"- from: a@example.com\n  dsn: {ret: hdrs}\n---\n"
        b"from: b@example.com\nTrackBounces: true\n",
        b"- from: a@example.com\n  dsn: {ret: HDRS}\n---\n"
        b"from: b@example.com\ntrackbounces: true\n",
    ),
]

UNTOUCHED = [
    # (name, file name, content): findings without a safe fix
    ("a misspelling is only suggested", "a.yaml", b"from: a@example.com\nenvelop: b@example.com\n"),
    (
        "the right name is taken already",
        "a.yaml",
        b"from: a@example.com\nenvelope: b@example.com\nEnvelope: c@example.com\n",
    ),
    (
        "a multi-line scalar",
        "a.yaml",
        b"from: a@example.com\ndsn:\n  notify: >-\n    failure\n",
    ),
    ("an envelope with no address inside", "a.yaml", b"from: a@example.com\nenvelope: Bounces\n"),
    ("an invalid notify is not guessed", "a.yaml", b"from: a@example.com\ndsn: {notify: NEVR}\n"),
    (
        "a suppressed finding is not fixed",
        "a.yaml",
        b"from: a@example.com\ndsn: {notify: failure}  # aligncheck: ignore[AC403]\n",
    ),
]


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["check", "--offline", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(("label", "name", "before", "after"), TABLE, ids=[t[0] for t in TABLE])
def test_fix_table(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    label: str,
    name: str,
    before: bytes,
    after: bytes,
) -> None:
    path = tmp_path / name
    path.write_bytes(before)
    check(capsys, "--fix", str(path))
    assert path.read_bytes() == after
    # idempotent: nothing left to fix
    _, _, err = check(capsys, "--fix", str(path))
    assert path.read_bytes() == after and "fixed" not in err
    status, out, _ = check(capsys, "--diff", str(path))
    assert (status, out) == (0, "")


@pytest.mark.parametrize(("label", "name", "before", "after"), TABLE, ids=[t[0] for t in TABLE])
def test_diff_changes_nothing_and_patch_gives_what_fix_writes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    label: str,
    name: str,
    before: bytes,
    after: bytes,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(before)
    status, diff, _ = check(capsys, "--diff", name)
    assert status == 1 and Path(name).read_bytes() == before
    patch = shutil.which("patch")
    assert patch, "scripts/test installs patch"
    done = subprocess.run(
        [patch, "-p1", "--binary"], input=diff.encode(), capture_output=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert Path(name).read_bytes() == after


@pytest.mark.parametrize(("label", "name", "content"), UNTOUCHED, ids=[t[0] for t in UNTOUCHED])
def test_findings_without_a_safe_fix_are_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    status, out, _ = check(capsys, "--diff", str(path))
    assert (status, out) == (0, "")
    check(capsys, "--fix", str(path))
    assert path.read_bytes() == content


def test_fix_reports_what_remains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"from: a@example.com\ndsn:\n  notify: failure\n  ret: HEADERS\n")
    status, out, err = check(capsys, "--fix", str(path))
    assert status == 1  # AC401 is an error no fix can guess
    assert "AC401" in out and "AC403" not in out
    assert "fixed 1 finding in 1 file" in err
    _, _, err = check(capsys, str(path))
    assert "fixable" not in err


def test_unfixed_run_counts_the_fixable_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"from: a@example.com\ndsn: {notify: failure, ret: full}\n")
    _, _, err = check(capsys, str(path))
    assert "2 findings fixable with `--fix`" in err


def test_fix_on_stdin_writes_the_text_to_stdout_and_the_report_to_stderr(
    tmp_path: Path,
) -> None:
    before = b"from: a@example.com\ndsn: {notify: failure}\nenvelope: <b@example.com>\n"
    done = subprocess.run(
        [sys.executable, "-m", "aligncheck", "check", "--offline", "--fix", "-"],
        input=before,
        capture_output=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.stdout == b"from: a@example.com\ndsn: {notify: FAILURE}\nenvelope: b@example.com\n"
    assert b"fixed 2 findings in 1 file" in done.stderr
    assert b"No findings" in done.stderr  # the report of the fixed text, on stderr
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere


@pytest.mark.parametrize(
    ("mode", "stdout"),
    [("--fix", "the text as it came"), ("--diff", ""), ("--format=text", "No findings")],
)
def test_stdin_named_as_a_file_force_exclude_leaves_out_is_not_checked(
    tmp_path: Path, mode: str, stdout: str
) -> None:
    """As ruff does for an editor: the text is not checked, and `--fix` gives it back as it
    came (an empty stdout would empty the editor's buffer)."""
    before = b"from: a@example.com\ndsn: {notify: failure}\nenvelope: <b@example.com>\n"
    (tmp_path / ".aligncheck.toml").write_text('exclude = ["generated/"]\n')
    command = [sys.executable, "-m", "aligncheck", "check", "--offline", mode, "-"]
    named = ["--stdin-filename", "generated/a.yaml"]
    done = subprocess.run(
        [*command, *named, "--force-exclude"], input=before, capture_output=True, cwd=tmp_path
    )
    expected = before if stdout == "the text as it came" else stdout.encode()
    assert done.stdout.startswith(expected) and done.returncode == 0
    assert b"AC4" not in done.stdout + done.stderr
    plain = [sys.executable, "-m", "aligncheck", "check", "--offline", "-", *named]
    checked = subprocess.run(plain, input=before, capture_output=True, cwd=tmp_path)
    assert checked.returncode == 1 and b"AC403" in checked.stdout  # not forced out: checked


def test_an_edit_that_would_break_or_change_the_file_is_dropped() -> None:
    """The read-back: every edit is tried, and one that makes the file unparsable or read
    otherwise than intended is dropped with the reason, the others kept."""
    from aligncheck.findings import Edit, Pos
    from aligncheck.fixes import ReRead, apply
    from aligncheck.parsing import Limits

    text = "from: a@example.com\ndsn: {notify: failure, ret: hdrs}\nsubject: hello\n"
    good = Edit(Pos(2, 15), Pos(2, 22), "FAILURE", "FAILURE")
    breaks = Edit(Pos(2, 29), Pos(2, 33), "[HDRS", "HDRS")
    retypes = Edit(Pos(3, 10), Pos(3, 15), "true", "true")
    fixed, kept, dropped = apply(text, [good, breaks, retypes], ReRead(False, Limits()))
    assert fixed == "from: a@example.com\ndsn: {notify: FAILURE, ret: hdrs}\nsubject: hello\n"
    assert kept == [good]
    assert [edit for edit, _ in dropped] == [breaks, retypes]
    assert "would not parse" in dropped[0][1] and "would read True" in dropped[1][1]


def test_sarif_results_carry_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"from: a@example.com\ndsn: {notify: 'failure'}\n")
    _, out, _ = check(capsys, "--format", "sarif", str(path))
    import json

    (result,) = [r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "AC403"]
    (fix,) = result["fixes"]
    (change,) = fix["artifactChanges"]
    (replacement,) = change["replacements"]
    assert replacement == {
        "deletedRegion": {"startLine": 2, "startColumn": 15, "endLine": 2, "endColumn": 24},
        "insertedContent": {"text": "'FAILURE'"},
    }
    assert fix["description"]["text"] == "write `FAILURE`"


def test_a_symlink_stays_a_link_and_a_read_only_file_is_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real.yaml"
    real.write_bytes(b"from: a@example.com\ndsn: {ret: hdrs}\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    check(capsys, "--fix", str(link))
    assert link.is_symlink() and real.read_bytes() == b"from: a@example.com\ndsn: {ret: HDRS}\n"
    locked = tmp_path / "locked.yaml"
    locked.write_bytes(b"from: a@example.com\ndsn: {ret: hdrs}\n")
    locked.chmod(0o444)
    status, _, err = check(capsys, "--fix", str(locked))
    assert status == 2 and "read-only" in err and len(err.strip().splitlines()) == 1
    assert locked.read_bytes() == b"from: a@example.com\ndsn: {ret: hdrs}\n"


def test_json_findings_carry_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"from: a@example.com\nenvelope: Bounces <b@example.com>\n")
    _, out, _ = check(capsys, "--format", "json", str(path))
    import json

    (finding,) = json.loads(out)["findings"]
    assert finding["fix"] == {
        "message": "write `b@example.com`",
        "line": 2,
        "column": 11,
        "end_line": 2,
        "end_column": 34,
        "text": "b@example.com",
    }


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # fixed lines scattered, side by side, at both ends, and the last with no newline
        (
            "".join(f"line {i}\n" for i in range(300)),
            "".join(
                f"LINE {i}\n" if i % 7 in (0, 1) or i > 296 else f"line {i}\n" for i in range(300)
            ),
        ),
        ("a\nb\nc", "a\nB\nC"),
        ("same\n", "same\n"),
        # a line count that changes: difflib aligns them
        ("a\nb\nc\n", "a\nc\n"),
    ],
)
def test_the_diff_of_lines_fixed_in_place_is_the_diff_difflib_writes(
    before: str, after: str
) -> None:
    """Where the line count stays, the diff replaces each fixed line by its fixed one without
    difflib's search (5,000 fixes in one file took 17 s); its text is difflib's all the same."""
    import difflib

    from aligncheck.fixes import FileFix, unified_diff

    change = FileFix("./f.yaml", before.encode(), after.encode(), [], [])
    expected = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            "a/f.yaml",
            "b/f.yaml",
        )
    )
    assert unified_diff(change) == expected
