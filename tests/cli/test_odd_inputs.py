"""No input file makes the CLI print a traceback; it exits 0, 1 or 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from aligncheck.cli import main

ODD = [
    "[]",
    "null",
    "42",
    '"text"',
    "{}",
    "sends: [null]",
    "sends: [[1]]",
    "from: null",
    "mime: null",
    "mime: ''",
    "mime: '\\n\\n'",
    "dsn: {notify: null}",
    "dsn: [1]",
    "recipients: {1: 2}",
    "? [a]\n: b",
    "a: &x 1\n<<: {b: 2}",
    "from: {address: 3}",
    "from: []",
    "envelope: 12",
    "defaults: {envelope: x}\nsends: []",
    "---\n---\n",
    'mime: "From: \\u0000@x"',
    'from: "\\udce9@x.com"',
    "from: '=?x?q?a?= <@>'",
    "from: '<<<>>>'",
    "envelope: '\"'",
    "envelope: '\"a\\\\\"@x.com'",
    "recipient: '@'",
    "template: {from: a@x.com}",
    'mime: "From: a@x.com\\r\\n \\r\\n"',
    "sends: {}",
]


@pytest.mark.parametrize("text", ODD)
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_odd_input_never_crashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, suffix: str
) -> None:
    path = tmp_path / f"odd{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    status = main(["check", "--offline", "--format", "json", str(path)])
    _, err = capsys.readouterr()
    assert status in (0, 1)
    assert "Traceback" not in err and "internal error" not in err
