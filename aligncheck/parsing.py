"""YAML and JSON text → positioned node trees (safe YAML only, bounded in depth and size)."""

from __future__ import annotations

import bisect
import json
import json.decoder
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, overload

import yaml

from aligncheck.findings import FILE_START, Pos
from aligncheck.nodes import Entry, Map, Node, Scalar, ScalarValue, Seq

MAX_DEPTH = 200

_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MAP_TAG = "tag:yaml.org,2002:map"
# `<<:`, YAML 1.1 merge keys, read as PyYAML and js-yaml read them
_MERGE_TAG = "tag:yaml.org,2002:merge"
_ScalarNode = yaml.ScalarNode
_SequenceNode = yaml.SequenceNode


class ParseError(Exception):
    """The text cannot be read as a document; carries where and why (AC100)."""

    def __init__(self, message: str, pos: Pos = FILE_START) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 32 * 1024 * 1024
    max_alias_nodes: int = 100_000
    max_sends: int = 1_000_000  # per file


def decode(data: bytes) -> str:
    """UTF-8 bytes → text; anything else is a ParseError at the offending byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError("file is UTF-16 (byte order mark found); save it as UTF-8")
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise ParseError("file holds NUL bytes: not a text file", _byte_pos(data, offset))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", _byte_pos(data, exc.start)
        ) from None
    return text.removeprefix("\ufeff")


def _byte_pos(data: bytes, offset: int) -> Pos:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return Pos(line, len(data[start:offset].decode("utf-8", "replace")) + 1)


class Loaded(NamedTuple):
    """A file's documents as node trees, and the keys written twice in one of their mappings
    (found while the trees are built; each mapping keeps the later entry)."""

    documents: list[Node | None]
    duplicates: list[Entry]


# What a file's documents (or their outline) say of reading it on: False for a file the run
# leaves out, such as one that holds no send.
Wanted = Callable[[list[Node | None]], bool]


@overload
def load_yaml(text: str, limits: Limits) -> Loaded: ...
@overload
def load_yaml(text: str, limits: Limits, wanted: Wanted) -> Loaded | None: ...
def load_yaml(text: str, limits: Limits, wanted: Wanted | None = None) -> Loaded | None:
    """All documents of a YAML stream as node trees.

    With `wanted`, a stream refused only for what other tools write on purpose is None when,
    read leniently, its documents are not wanted: tags of their own (CloudFormation's `!Sub`,
    GitLab CI's `!reference`) read as plain values, template actions (a Helm chart's
    `{{ ... }}`, Jinja's `{% ... %}`) left out. A file that would be wanted stays a parse
    error."""
    try:
        return _load_yaml(text, limits)
    except ParseError:
        if wanted is not None and _unwanted_leniently(text, limits, wanted):
            return None
        raise


# Template actions, by their opening and closing marks: Go's (Helm: `{{ .Values.x }}`) and
# Jinja's (`{% if x %}`, `{# note #}`)
_ACTIONS = {"{{": "}}", "{%": "%}", "{#": "#}"}


def _untemplated(text: str) -> str:
    """`text` with its template actions left out: a line of actions only is dropped, any
    other action stands for a plain word. One pass over each line (a line of many actions,
    or of openers never closed, costs what its length costs)."""
    lines = []
    for line in text.split("\n"):
        kept: list[str] = []
        start = 0
        only_actions = True
        upcoming = {opener: line.find(opener) for opener in _ACTIONS}
        while True:
            for opener, at in upcoming.items():
                if 0 <= at < start:  # inside the action just passed: look again after it
                    upcoming[opener] = line.find(opener, start)
            found = [(at, opener) for opener, at in upcoming.items() if at >= 0]
            if not found:
                break
            at, opener = min(found)
            end = line.find(_ACTIONS[opener], at + 2)
            if end < 0:
                break  # never closed on this line: the rest stays as written
            only_actions = only_actions and not line[start:at].strip()
            kept += [line[start:at], "x"]
            start = end + 2
        if start and only_actions and not line[start:].strip():
            continue
        lines.append("".join(kept) + line[start:])
    return "\n".join(lines)


def _unwanted_leniently(text: str, limits: Limits, wanted: Wanted) -> bool:
    """Whether YAML that failed to load loads leniently (tags read as plain values; then,
    for a template, its actions left out: a value that is one stands for a plain word), and
    its documents are not wanted."""
    readings = [text]
    if any(opener in text for opener in _ACTIONS):
        readings.append(_untemplated(text))
    for reading in readings:
        try:
            return not wanted(_load_yaml(reading, limits, lenient=True).documents)
        except ParseError:
            continue
    return False


Span = tuple[tuple[int, int], tuple[int, int]]  # (line, column) from, to; 0-based


def text_spans(text: str) -> list[Span]:
    """Where YAML text holds quoted and block scalars: a `#` inside one is part of a value,
    not a comment (plain scalars end before ` #`). Empty when the text does not scan (the
    file is AC100 then)."""
    spans: list[Span] = []
    try:
        for token in yaml.scan(text, Loader=_YAML_LOADER):
            if isinstance(token, yaml.ScalarToken) and token.style:
                start, end = token.start_mark, token.end_mark
                spans.append(((start.line, start.column), (end.line, end.column)))
    except (yaml.YAMLError, RecursionError):
        return []
    return spans


def _load_yaml(text: str, limits: Limits, lenient: bool = False) -> Loaded:
    try:
        roots = list(yaml.compose_all(text, Loader=_YAML_LOADER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = FILE_START if mark is None else Pos(mark.line + 1, mark.column + 1)
        raise ParseError(f"invalid YAML: {exc.problem or exc.context}", pos) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise ParseError("invalid YAML: nested too deeply") from None
    converter = _YamlConverter(text.splitlines(), lenient)
    documents: list[Node | None] = []
    for root in roots:
        if root is None:
            documents.append(None)
            continue
        if "&" in text:  # without anchors there are no aliases to expand
            _check_expansion(root, limits)
        documents.append(converter.convert(root, 0))
    return Loaded(documents, converter.duplicates)


def _check_expansion(root: yaml.Node, limits: Limits) -> None:
    """Refuse documents whose aliases would expand past the limit (billion laughs)."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    unique = 0

    def size(node: yaml.Node) -> int:
        nonlocal unique
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise ParseError("unsafe YAML: an alias refers to itself", _mark_pos(node))
        unique += 1
        total = 1
        if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
            visiting.add(key)
            children: list[yaml.Node] = (
                list(node.value)
                if isinstance(node, yaml.SequenceNode)
                else [part for pair in node.value for part in pair]
            )
            for child in children:
                total += size(child)
            visiting.discard(key)
        sizes[key] = total
        return total

    try:
        expanded = size(root)
    except RecursionError:
        raise ParseError("invalid YAML: nested too deeply") from None
    if expanded - unique > limits.max_alias_nodes:
        raise ParseError(
            f"unsafe YAML: aliases expand to {expanded} nodes "
            f"(limit {limits.max_alias_nodes} beyond those written)",
            _mark_pos(root),
        )


def _mark_pos(node: yaml.Node) -> Pos:
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1)


class _YamlConverter:
    """Composed YAML nodes -> positioned nodes. Tags beyond YAML's core schema (custom ones,
    `!!python/...`, `!!binary`) are refused, or, `lenient`, read as if untagged (never
    constructed: only to tell whether a file holds sends)."""

    def __init__(self, lines: list[str], lenient: bool = False) -> None:
        self._lines = lines
        self._lenient = lenient
        self._constructor = yaml.SafeLoader("")
        self.duplicates: list[Entry] = []

    def _refuse(self, tag: str, pos: Pos) -> None:
        if not self._lenient:
            raise ParseError(f"unsafe YAML: tag {tag!r} is not allowed", pos)

    def convert(self, node: yaml.Node, depth: int) -> Node:
        mark = node.start_mark
        pos = Pos(mark.line + 1, mark.column + 1)
        if depth > MAX_DEPTH:
            raise ParseError(f"nested deeper than {MAX_DEPTH} levels", pos)
        kind = node.__class__
        if kind is _ScalarNode:
            assert isinstance(node, yaml.ScalarNode)
            return self._scalar(node, pos)
        if kind is _SequenceNode:
            if node.tag != _SEQ_TAG:
                self._refuse(node.tag, pos)
            return Seq(pos, [self.convert(item, depth + 1) for item in node.value])
        assert isinstance(node, yaml.MappingNode)
        if node.tag != _MAP_TAG:
            self._refuse(node.tag, pos)
        mapping = Map(pos)
        entries = mapping.entries
        merged: list[Map] = []  # `<<:` mappings, the first one's keys winning
        for key_node, value_node in node.value:
            if key_node.__class__ is not _ScalarNode:
                raise ParseError("a mapping key must be a plain value", _mark_pos(key_node))
            if key_node.tag not in _SCALAR_TAGS:
                if key_node.tag == _MERGE_TAG:
                    merged.extend(self._merged(value_node, depth + 1))
                    continue
                self._refuse(key_node.tag, _mark_pos(key_node))
            key_mark = key_node.start_mark
            value: Node
            if value_node.__class__ is _ScalarNode and depth < MAX_DEPTH:  # most values
                assert isinstance(value_node, yaml.ScalarNode)
                value_mark = value_node.start_mark
                value_pos = Pos(value_mark.line + 1, value_mark.column + 1)
                value = self._scalar(value_node, value_pos)
            else:
                value = self.convert(value_node, depth + 1)
            key = key_node.value
            entry = Entry(key, Pos(key_mark.line + 1, key_mark.column + 1), value)
            if key in entries:
                self.duplicates.append(entry)
            entries[key] = entry
        for source in merged:
            for key, entry in source.entries.items():
                entries.setdefault(key, entry)  # written here, or by an earlier `<<:`, wins
        return mapping

    def _merged(self, node: yaml.Node, depth: int) -> list[Map]:
        """The mappings a merge key (`<<: *base` or `<<: [*a, *b]`) brings in, in order;
        their entries keep the positions where they are written."""
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        found = []
        for item in items:
            converted = self.convert(item, depth)
            if not isinstance(converted, Map):
                raise ParseError(
                    "a merge key (<<) takes a mapping or a list of mappings", _mark_pos(item)
                )
            found.append(converted)
        return found

    def _scalar(self, node: yaml.ScalarNode, pos: Pos) -> Scalar:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            self._refuse(tag, pos)
        value: ScalarValue
        if tag in (_STR_TAG, _TIMESTAMP_TAG) or tag not in _SCALAR_TAGS:
            value = node.value
        else:
            value = self._constructor.construct_object(node)
        if node.style == "|":
            return Scalar(pos, value, node.value, self._block_indent(node))
        return Scalar(pos, value, node.value)

    def _block_indent(self, node: yaml.ScalarNode) -> int:
        for line in self._lines[node.start_mark.line + 1 : node.end_mark.line + 1]:
            stripped = line.lstrip(" ")
            if stripped:
                return len(line) - len(stripped)
        return node.start_mark.column


# --- JSON -------------------------------------------------------------------------------

_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")


@overload
def load_json(text: str) -> Loaded: ...
@overload
def load_json(text: str, wanted: Wanted) -> Loaded | None: ...
def load_json(text: str, wanted: Wanted | None = None) -> Loaded | None:
    """One JSON document as a node tree. json.loads validates; a positioned pass builds.

    With `wanted`, the pass runs only when `wanted([outline])` is true, the outline being what
    json.loads read, two levels deep (the document's keys or items, and theirs), every node
    at the start of the file: None otherwise. A file that holds no send is so told apart
    without building its tree (a 14 MB `package-lock.json`: 0.2 s instead of 2.4 s). So is
    JSON with comments and trailing commas (`tsconfig.json`, editor settings): no send file,
    as SMTPeter reads only JSON, but a file that would be one is still invalid JSON here."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        if wanted is not None and _unwanted_jsonc(text, wanted):
            return None
        raise ParseError(f"invalid JSON: {exc.msg}", Pos(exc.lineno, exc.colno)) from None
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. integer strings longer than Python's limit
        raise ParseError(f"invalid JSON: {exc}") from None
    if wanted is not None and not wanted([_outline(value, 2)]):
        return None
    parser = _JsonParser(text)
    return Loaded([parser.parse()], parser.duplicates)


# JSON with comments (JSONC): where a string or a comment may start; the rest of a string
# once its opening quote is passed; a string, or a comma that only closes a list or object
_JSONC_NEXT = re.compile(r'"|/[/*]')
_STRING_REST = re.compile(r'(?:[^"\\\n]|\\.)*"')
_JSONC_COMMA = re.compile(r'("(?:[^"\\\n]|\\.)*")|,(?=\s*[}\]])')


def _unwanted_jsonc(text: str, wanted: Wanted) -> bool:
    """Whether text json.loads refused reads as JSON once its comments and trailing commas
    are left out, and its outline is not wanted."""
    kept = _without_comments(text)
    if kept is None:
        return False
    kept = _JSONC_COMMA.sub(lambda found: found.group(1) or "", kept)
    try:
        value = json.loads(kept, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return False
    return not wanted([_outline(value, 2)])


def _without_comments(text: str) -> str | None:
    """`text` with its `//` and `/* */` comments left out (strings kept whole), or None when a
    string or a comment is never closed. One pass: each step starts where the last ended."""
    kept: list[str] = []
    start = 0
    while (found := _JSONC_NEXT.search(text, start)) is not None:
        at = found.start()
        if found.group() == '"':
            rest = _STRING_REST.match(text, at + 1)
            if rest is None:
                return None
            kept.append(text[start : rest.end()])
            start = rest.end()
            continue
        kept.append(text[start:at] + " ")
        if found.group() == "//":
            end = text.find("\n", at)
            start = len(text) if end < 0 else end
        else:
            end = text.find("*/", at + 2)
            if end < 0:
                return None
            start = end + 2
    kept.append(text[start:])
    return "".join(kept)


def _outline(value: object, levels: int) -> Node:
    """What json.loads read, `levels` containers deep (below that, a null); scalars as read
    (a redirect's `from: "/old"` tells it from a send). Every node stands at the start of
    the file."""
    if isinstance(value, dict):
        if not levels:
            return Scalar(FILE_START, None)
        inner = {key: Entry(key, FILE_START, _outline(v, levels - 1)) for key, v in value.items()}
        return Map(FILE_START, inner)
    if isinstance(value, list):
        if not levels:
            return Scalar(FILE_START, None)
        return Seq(FILE_START, [_outline(item, levels - 1) for item in value])
    return Scalar(FILE_START, value if isinstance(value, str | int | float | bool) else None)


_LITERALS: tuple[tuple[str, ScalarValue], ...] = (("true", True), ("false", False), ("null", None))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


class _JsonParser:
    """Builds nodes from text json.loads has accepted, so it may trust the grammar."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.duplicates: list[Entry] = []

    def _pos(self, offset: int) -> Pos:
        line = bisect.bisect_right(self._line_starts, offset)
        return Pos(line, offset - self._line_starts[line - 1] + 1)

    def _skip(self, i: int) -> int:
        match = _WS.match(self._text, i)
        assert match is not None
        return match.end()

    def parse(self) -> Node:
        node, _ = self._value(self._skip(0), 0)
        return node

    def _value(self, i: int, depth: int) -> tuple[Node, int]:
        if depth > MAX_DEPTH:
            raise ParseError(f"nested deeper than {MAX_DEPTH} levels", self._pos(i))
        text = self._text
        char = text[i]
        pos = self._pos(i)
        if char == "{":
            mapping = Map(pos)
            i = self._skip(i + 1)
            if text[i] == "}":
                return mapping, i + 1
            while True:
                key_pos = self._pos(i)
                key, i = _scanstring(text, i + 1)
                i = self._skip(self._skip(i) + 1)  # past ':'
                value, i = self._value(i, depth + 1)
                entry = Entry(key, key_pos, value)
                if key in mapping.entries:
                    self.duplicates.append(entry)
                mapping.entries[key] = entry
                i = self._skip(i)
                if text[i] == "}":
                    return mapping, i + 1
                i = self._skip(i + 1)  # past ','
        if char == "[":
            seq = Seq(pos)
            i = self._skip(i + 1)
            if text[i] == "]":
                return seq, i + 1
            while True:
                item, i = self._value(i, depth + 1)
                seq.items.append(item)
                i = self._skip(i)
                if text[i] == "]":
                    return seq, i + 1
                i = self._skip(i + 1)
        if char == '"':
            string, end = _scanstring(text, i + 1)
            return Scalar(pos, string, raw=text[i:end]), end
        for literal, constant in _LITERALS:
            if text.startswith(literal, i):
                return Scalar(pos, constant, raw=literal), i + len(literal)
        match = _NUMBER.match(text, i)
        assert match is not None
        raw = match.group()
        number: int | float = float(raw) if match.group(1) or match.group(2) else int(raw)
        return Scalar(pos, number, raw=raw), match.end()
