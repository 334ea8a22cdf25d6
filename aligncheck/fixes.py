"""Safe automatic fixes (`check --fix`, `--diff`): the rules say what a value or key should
read (`Fix`); this module finds the exact characters of that value or key in the file (`Edit`)
and rewrites only those, in the quoting style they were written in. Comments, indentation, key
order, line endings, a byte order mark and every other byte stay as they were: no YAML
round trip. A fixed file is read again, and an edit that would not read back as intended (or
would break the file) is dropped with a note.
"""

from __future__ import annotations

import difflib  # loaded at start-up already (the rule registry's guesses)
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import yaml

from aligncheck.findings import Edit, Fix, Pos
from aligncheck.nodes import Map, Node, Scalar, Seq
from aligncheck.parsing import Limits

_PLAIN_END = re.compile(r"\s+#|\s*$")


def locate(lines: Sequence[str], pos: Pos, fix: Fix, as_json: bool) -> Edit | None:
    """Where `fix` applies in the text's `lines` (split at `\n`), or None when the token
    there is not plainly `fix.old` on one line (a multi-line scalar, an alias, a tag): such a
    finding keeps no fix."""
    if not 0 < pos.line <= len(lines):
        return None
    line = lines[pos.line - 1].removesuffix("\r")
    start = pos.column - 1
    if start >= len(line):
        return None
    token = _token(line, start, fix, as_json)
    if token is None:
        return None
    end, style = token
    replacement = _written(fix.new, style, as_json)
    if replacement is None:
        return None
    return Edit(pos, Pos(pos.line, end + 1), replacement, fix.new, fix.key)


def _token(line: str, start: int, fix: Fix, as_json: bool) -> tuple[int, str] | None:
    """The end (exclusive) and style (`"`, `'` or plain) of the token at `start`, when it
    reads `fix.old`."""
    first = line[start]
    if first == '"':
        end = _closing_double(line, start)
        if end is None:
            return None
        token = line[start:end]
        try:
            read = json.loads(token) if as_json else yaml.safe_load(token)
        except (ValueError, yaml.YAMLError):
            return None
        return (end, '"') if read == fix.old else None
    if as_json:
        return None
    if first == "'":
        end = _closing_single(line, start)
        if end is None:
            return None
        return (end, "'") if line[start + 1 : end - 1].replace("''", "'") == fix.old else None
    if not line.startswith(fix.old, start):
        return None
    end = start + len(fix.old)
    rest = line[end:]
    if fix.key:  # a plain key ends at `:`
        return (end, "plain") if rest.lstrip(" ").startswith(":") else None
    # a plain value ends at a comment or the end of the line (block), or at `,` `]` `}` (flow)
    if _PLAIN_END.match(rest) or rest.lstrip(" ")[:1] in (",", "]", "}"):
        return end, "plain"
    return None


def _closing_double(line: str, start: int) -> int | None:
    index = start + 1
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            return index + 1
        index += 1
    return None


def _closing_single(line: str, start: int) -> int | None:
    index = start + 1
    while index < len(line):
        if line[index] == "'":
            if line[index + 1 : index + 2] == "'":
                index += 2
                continue
            return index + 1
        index += 1
    return None


# a plain scalar that starts like a word and holds nothing YAML reads specially (a `{` or `,`
# in a flow mapping is caught when the fixed file is read back)
_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_][^\s#:'\"`]*")


def _written(new: str, style: str, as_json: bool) -> str | None:
    """`new` in the token's own quoting style (None when that style cannot hold it)."""
    if style == '"' or as_json:
        return json.dumps(new, ensure_ascii=False)
    if style == "'":
        return "'" + new.replace("'", "''") + "'" if "\n" not in new else None
    if not _PLAIN_SAFE.fullmatch(new):
        return None
    try:
        reads = yaml.safe_load(new)
    except yaml.YAMLError:
        return None
    return new if reads == new else None


def apply(
    text: str, edits: Sequence[Edit], reread: ReRead
) -> tuple[str, list[Edit], list[tuple[Edit, str]]]:
    """`text` with the edits made (one per position, later ones first); the edits kept, and
    those dropped with why. All edits are tried at once, then, if the result does not read
    back as intended, one at a time."""
    unique: dict[tuple[Pos, bool], Edit] = {}
    for edit in edits:
        unique.setdefault((edit.start, edit.key), edit)
    ordered = sorted(unique.values(), key=lambda e: (e.start.line, e.start.column))
    fixed = _made(text, ordered)
    if _reads_back(fixed, ordered, reread) is None:
        return fixed, ordered, []
    kept: list[Edit] = []
    dropped: list[tuple[Edit, str]] = []
    for edit in ordered:
        trial = [*kept, edit]
        problem = _reads_back(_made(text, trial), trial, reread)
        if problem is None:
            kept.append(edit)
        else:
            dropped.append((edit, problem))
    return _made(text, kept), kept, dropped


def _made(text: str, edits: Sequence[Edit]) -> str:
    lines = text.split("\n")
    by_line: dict[int, list[Edit]] = {}
    for edit in edits:
        by_line.setdefault(edit.start.line - 1, []).append(edit)
    for index, on_line in by_line.items():
        line = lines[index]
        parts = []
        at = 0
        for edit in sorted(on_line, key=lambda e: e.start.column):
            parts += [line[at : edit.start.column - 1], edit.text]
            at = edit.end.column - 1
        parts.append(line[at:])
        lines[index] = "".join(parts)
    return "\n".join(lines)


@dataclass(frozen=True)
class ReRead:
    """Reads a fixed text again as the file it is (YAML or JSON): its trees, or why not."""

    as_json: bool
    limits: Limits

    def trees(self, text: str) -> list[Node] | str:
        from aligncheck.parsing import ParseError, load_json, load_yaml

        try:
            found = load_json(text) if self.as_json else load_yaml(text, self.limits)
        except ParseError as exc:
            return exc.message
        return [tree for tree in found.documents if tree is not None]


def _reads_back(text: str, edits: Sequence[Edit], reread: ReRead) -> str | None:
    """None when the fixed text parses and every edited value or key reads as intended;
    else why not."""
    trees = reread.trees(text)
    if isinstance(trees, str):
        return f"the file would not parse ({trees})"
    values: dict[Pos, object] = {}
    keys: dict[Pos, str] = {}
    for tree in trees:
        _read(tree, values, keys)
    shift = 0  # edits before another on its line move it by the widths they change
    line = 0
    for edit in sorted(edits, key=lambda e: (e.start.line, e.start.column)):
        if edit.start.line != line:
            line, shift = edit.start.line, 0
        at = Pos(edit.start.line, edit.start.column + shift)
        shift += len(edit.text) - (edit.end.column - edit.start.column)
        read = keys.get(at) if edit.key else values.get(at)
        if read != edit.new:
            return f"it would read {read!r}, not {edit.new!r}"
    return None


def _read(root: Node, values: dict[Pos, object], keys: dict[Pos, str]) -> None:
    """Every scalar's value and every key, by where it stands."""
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Scalar):
            values[node.pos] = node.value
        elif isinstance(node, Map):
            for entry in node.entries.values():
                keys[entry.key_pos] = entry.key
                stack.append(entry.value)
        elif isinstance(node, Seq):
            stack.extend(node.items)


BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileFix:
    path: str
    before: bytes
    after: bytes
    kept: list[Edit]
    dropped: list[tuple[Edit, str]]


ROUNDS = 10  # a fix may reveal another (a renamed `Envelope` is then judged as an envelope)


def fix_file(
    path: str,
    data: bytes,
    edits: Sequence[Edit],
    as_json: bool,
    limits: Limits,
    again: Callable[[bytes], Sequence[Edit]],
) -> FileFix:
    """The file's bytes with the edits made, then with those its fixed text reveals (`again`
    checks bytes and gives their edits), until none is left: the BOM, line endings and every
    byte outside the edited characters stay as they were."""
    from aligncheck.parsing import decode

    reread = ReRead(as_json, limits)
    current = data
    kept_all: list[Edit] = []
    dropped_all: list[tuple[Edit, str]] = []
    tried: set[tuple[Pos, str, bool]] = set()
    for _ in range(ROUNDS):
        edits = [e for e in edits if (e.start, e.new, e.key) not in tried]
        if not edits:
            break
        tried.update((e.start, e.new, e.key) for e in edits)
        fixed, kept, dropped = apply(decode(current), edits, reread)
        kept_all += kept
        dropped_all += dropped
        if not kept:
            break
        current = (BOM if data.startswith(BOM) else b"") + fixed.encode("utf-8")
        edits = list(again(current))
    return FileFix(path, data, current, kept_all, dropped_all)


def unified_diff(change: FileFix) -> str:
    """The change as a unified diff `patch -p1` applies (`a/` and `b/` prefixes).

    The fixes rewrite values within their lines, so where the line count stays the same the
    diff replaces each changed line by its fixed one, without difflib's search for the
    longest matching blocks (which cost the square of the lines changed: 5,000 fixes in one
    file took 17 s); otherwise difflib aligns the lines."""
    name = change.path.removeprefix("./")
    before = change.before.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    after = change.after.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    matcher = (
        _LineByLine(before, after)
        if len(before) == len(after)
        else difflib.SequenceMatcher(None, before, after, autojunk=False)
    )
    out: list[str] = []
    for group in matcher.get_grouped_opcodes(3):
        if not out:
            out += [f"--- a/{name}\n", f"+++ b/{name}\n"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_span(first[1], last[2])} +{_span(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in before[i1:i2]]
                continue
            out += ["-" + line for line in before[i1:i2]]
            out += ["+" + line for line in after[j1:j2]]
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out
    )


class _LineByLine(difflib.SequenceMatcher[str]):
    """Two texts of as many lines matched line by line: runs of equal lines, and runs of
    lines each replaced by the one at its place (difflib groups them into hunks)."""

    def __init__(self, before: list[str], after: list[str]) -> None:
        super().__init__(None, [], [])
        self._opcodes: list[tuple[str, int, int, int, int]] = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            tag = "equal" if old == new else "replace"
            if self._opcodes and self._opcodes[-1][0] == tag:
                start = self._opcodes[-1][1]
                self._opcodes[-1] = (tag, start, index + 1, start, index + 1)
            else:
                self._opcodes.append((tag, index, index + 1, index, index + 1))

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:  # type: ignore[override]
        return self._opcodes


def _span(start: int, stop: int) -> str:
    """A hunk's line range as unified diffs write it (`3,4`, `3` for one line, `2,0` for
    none, after line 2)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"
