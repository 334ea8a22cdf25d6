"""Hostile files: each gives a located finding or a one-line error, the run finishes, and the
other files are still checked."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from aligncheck import Settings, check_paths
from aligncheck.cli import main
from aligncheck.parsing import Limits

OFFLINE = Settings(offline=True)
GOOD = "from: a@example.com\nenvelope: b@example.com\ndsn: {ret: FULL}\n"


def run_beside_a_good_file(tmp_path: Path, name: str, data: bytes) -> tuple[list[str], str]:
    """Check a hostile file next to a good one; return the hostile file's rules and messages."""
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / name).write_bytes(data)
    report = check_paths([str(tmp_path)], OFFLINE)
    good = [f.rule for f in report.findings if f.path.endswith("good.yaml")]
    assert good == ["AC407"]  # the other file is still checked
    hostile = [f for f in report.findings if f.path.endswith(name)]
    for finding in hostile:
        assert finding.line >= 1 and finding.column >= 1
    return [f.rule for f in hostile], " ".join(f.message for f in hostile)


def billion_laughs() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for this, prev in zip("bcdefghi", "abcdefgh", strict=True):
        lines.append(f"{this}: &{this} [{', '.join(['*' + prev] * 9)}]")
    lines.append("envelope: *i")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("bomb.yaml", billion_laughs(), "aliases expand"),
        ("nul.yaml", b"from: a@example.com\x00\n", "NUL"),
        ("latin1.yaml", "from: caf\u00e9@example.com\n".encode("latin-1"), "UTF-8"),
        ("utf16.yaml", "from: a@example.com\n".encode("utf-16"), "UTF-16"),
        ("deep.yaml", ("a: " + "[" * 10_000 + "]" * 10_000 + "\n").encode(), "nest"),
        ("deep.json", ('{"a": ' + "[" * 10_000 + "]" * 10_000 + "}").encode(), "nested"),
        ("tag.yaml", b"envelope: !!python/object/apply:os.system ['true']\n", "not allowed"),
        ("dup.json", b'{"from": "a@example.com", "from": "b@example.com"}', "duplicate key"),
        ("dup.yaml", b"from: a@example.com\nfrom: b@example.com\n", "duplicate key"),
    ],
)
def test_hostile_file(tmp_path: Path, name: str, data: bytes, fragment: str) -> None:
    rules, messages = run_beside_a_good_file(tmp_path, name, data)
    assert rules[0] == "AC100"
    assert fragment in messages


def test_a_binary_file_is_no_send_file_unless_named(tmp_path: Path) -> None:
    """A git-crypt secret (`secrets.yaml`, binary) found in a directory or named by pre-commit
    was AC100 on every run; it holds no send. Named on its own it is still AC100."""
    data = bytes(range(256)) * 64
    assert run_beside_a_good_file(tmp_path, "secrets.yaml", data) == ([], "")
    listed = Settings(offline=True, skip_non_send_files=True)
    assert check_paths([str(tmp_path / "secrets.yaml")], listed).findings == []
    [finding] = check_paths([str(tmp_path / "secrets.yaml")], OFFLINE).findings
    assert (finding.rule, "NUL" in finding.message) == ("AC100", True)


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.write(b"from: a@example.com\ntext: |\n")
        line = b"  " + b"x" * 1022 + b"\n"
        for _ in range(50 * 1024):  # 50 MB
            handle.write(line)
    (tmp_path / "good.yaml").write_text(GOOD)
    started = time.monotonic()
    report = check_paths([str(tmp_path)], OFFLINE)
    assert time.monotonic() - started < 10
    assert [(Path(f.path).name, f.rule) for f in report.findings] == [
        ("big.yaml", "AC100"),
        ("good.yaml", "AC407"),
    ]
    smaller = Settings(offline=True, limits=Limits(max_bytes=1000))
    assert [f.rule for f in check_paths([str(tmp_path / "good.yaml")], smaller).findings] == [
        "AC407"
    ]


def test_hundred_thousand_sends_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    send = '{"from": "a@example.com", "envelope": "<b@example.com>"}'
    path.write_text("[" + ",".join([send] * 100_000) + "]")
    report = check_paths([str(path)], OFFLINE)
    assert report.sends == 100_000
    assert {f.rule for f in report.findings} == {"AC300"}
    assert len(report.findings) == 100_000


def test_twenty_megabyte_mime(tmp_path: Path) -> None:
    body = "x" * 76 + "\r\n"
    mime = "From: a@example.com\r\nSubject: big\r\n\r\n" + body * (20 * 1024 * 1024 // 78)
    path = tmp_path / "big-mime.json"
    import json

    path.write_text(json.dumps({"envelope": "b@example.com", "mime": mime}))
    report = check_paths([str(path)], OFFLINE)
    assert (report.sends, list(report.findings)) == (1, [])


def test_symlink_loop_in_a_scanned_directory(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "good.yaml").write_text(GOOD)
    os.symlink(tmp_path / "mail", tmp_path / "mail" / "loop")
    os.symlink(tmp_path / "mail" / "x.yaml", tmp_path / "mail" / "y.yaml")
    os.symlink(tmp_path / "mail" / "y.yaml", tmp_path / "mail" / "x.yaml")
    report = check_paths([str(tmp_path)], OFFLINE)
    assert [f.rule for f in report.findings] == ["AC407"]
    assert report.errors == ()


def test_fifo_is_never_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    (tmp_path / "good.yaml").write_text(GOOD)
    assert [f.rule for f in check_paths([str(tmp_path)], OFFLINE).findings] == ["AC407"]
    status = main(["check", "--offline", str(fifo), str(tmp_path / "good.yaml")])
    err = capsys.readouterr().err
    assert status == 2
    assert f"aligncheck: error: {fifo}: not a regular file" in err.splitlines()


def test_file_whose_read_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A regular file whose read fails even for root (reading a process's memory at offset
    0 is an I/O error): one line, exit 2, the other file still checked."""
    if not os.path.isfile("/proc/self/mem"):
        pytest.skip("needs Linux /proc")
    (tmp_path / "good.yaml").write_text(GOOD)
    status = main(["check", "--offline", "/proc/self/mem", str(tmp_path / "good.yaml")])
    out, err = capsys.readouterr()
    assert status == 2
    assert "aligncheck: error: /proc/self/mem: " in err and "Traceback" not in err
    assert "AC407" in out


def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode (see test_file_whose_read_fails)")
    path = tmp_path / "secret.yaml"
    path.write_text(GOOD)
    path.chmod(0)
    status = main(["check", "--offline", str(path)])
    assert status == 2
    assert "Permission denied" in capsys.readouterr().err


def test_dangling_link_named_explicitly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.symlink(tmp_path / "missing.yaml", tmp_path / "link.yaml")
    status = main(["check", "--offline", str(tmp_path / "link.yaml")])
    err = capsys.readouterr().err
    assert status == 2
    assert "no such file or directory" in err
    assert "Traceback" not in err


def test_a_line_of_many_template_actions_is_read_in_one_pass(tmp_path: Path) -> None:
    """A file named in a file list that is no YAML is read once more without its template
    actions; a line of many of them, or of openers never closed, is one pass (a pattern that
    could read such a line in 2^n ways took 5.7 s for 25 actions and would never end for 60)."""
    actions = "".join(f"{{{{a{i}}}}}" for i in range(60))
    path = tmp_path / "chart.yaml"
    path.write_text(f"kind: x\n{actions} x\nb: [{actions}\n" + "{{" * 100_000 + "\n")
    started = time.monotonic()
    report = check_paths([str(path)], Settings(offline=True, skip_non_send_files=True))
    assert time.monotonic() - started < 10
    assert [f.rule for f in report.findings] == ["AC100"]  # still no YAML without them


@pytest.mark.parametrize("text", ["{/* " * 50_000, '{"a": "' + '\\"' * 100_000])
def test_json_with_comments_never_closed_is_read_in_one_pass(tmp_path: Path, text: str) -> None:
    """A JSON file named in a file list that is no JSON is read once more without its
    comments; comments or strings never closed end that reading at once (a pattern that
    looked for each one's end from every opening took 9 s for 60 KB of them)."""
    path = tmp_path / "settings.json"
    path.write_text(text)
    started = time.monotonic()
    report = check_paths([str(path)], Settings(offline=True, skip_non_send_files=True))
    assert time.monotonic() - started < 10
    assert [f.rule for f in report.findings] == ["AC100"]


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        # the standard library's From parser costs the square of a long quoted name
        ("from", '"' + "a " * 500_000 + '" <a@example.com>', "AC202"),
        ("from", "a" + " " * 1_000_000 + "b@example.com", "AC202"),
        # a name and `<` once had two readings of the spaces between them
        ("envelope", "x" + " " * 1_000_000 + "x", "AC300"),
    ],
)
def test_a_megabyte_address_is_judged_in_linear_time(
    tmp_path: Path, field: str, value: str, rule: str
) -> None:
    import json

    path = tmp_path / "send.json"
    path.write_text(
        json.dumps({"from": "a@example.com", "envelope": "b@example.com", field: value})
    )
    started = time.monotonic()
    report = check_paths([str(path)], OFFLINE)
    assert time.monotonic() - started < 10
    assert rule in [f.rule for f in report.findings]


def test_a_from_header_folded_over_many_lines_is_read_in_linear_time(tmp_path: Path) -> None:
    """Unfolding once grew the value by concatenation, line by line: 400,000 folded lines
    took 17 s."""
    import json

    mime = "From: " + "\r\n ".join(["a"] * 400_000) + " <a@example.com>\r\nSubject: x\r\n\r\nhi"
    path = tmp_path / "send.json"
    path.write_text(
        json.dumps({"recipient": "r@example.org", "envelope": "b@example.com", "mime": mime})
    )
    started = time.monotonic()
    report = check_paths([str(path)], OFFLINE)
    assert time.monotonic() - started < 10
    assert (report.sends, list(report.findings)) == (1, [])


def test_another_encoding_is_reported_only_where_it_names_send_keys(tmp_path: Path) -> None:
    """A Latin-1 file of another tool is left out in a directory; a UTF-16 send file (its
    keys read through its byte order mark) is still AC100 there: it may be a send file."""
    other = "name: caf\u00e9\nport: 8080\n".encode("latin-1")
    assert run_beside_a_good_file(tmp_path, "other.yaml", other) == ([], "")
    sends = "from: a@example.com\n".encode("utf-16")
    rules, message = run_beside_a_good_file(tmp_path, "sends.yaml", sends)
    assert rules == ["AC100"] and "UTF-16" in message
