"""Files → documents with positions → raw sends (spec §1).

All file reading happens here. A file that cannot be read at all is a `SourceError` (a one-line
error, exit status 2); a file that can be read but not parsed gives AC100 problems.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from aligncheck.findings import FILE_START, Problem
from aligncheck.nodes import Entry, Map, Node, Scalar, Seq, kind_name
from aligncheck.parsing import Limits, ParseError, decode, load_json, load_yaml

SUFFIXES = (".yaml", ".yml", ".json")
SEND_MARKERS = frozenset({"envelope", "mime", "from", "recipient", "recipients", "dsn", "template"})
SENDS_MAPPING_KEYS = ("sends", "defaults", "x-aligncheck")
# Directories never descended into when a directory is expanded.
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})


class SourceError(Exception):
    """A path that cannot be read at all (missing, unreadable, a directory loop)."""


@dataclass(frozen=True)
class Target:
    """A file to check: the path as the user will see it, and whether it was named."""

    path: str
    explicit: bool


@dataclass(frozen=True)
class RawSend:
    """One send: its own mapping plus the `defaults:` entries it inherits.

    `properties` holds every property in force, each with the position it was written at.
    """

    index: int
    node: Map
    properties: dict[str, Entry]


@dataclass
class SourceFile:
    path: str
    sends: list[RawSend] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    holds_send: bool = False


def discover(paths: Sequence[str]) -> Iterator[Target]:
    """Expand directories to their *.yaml, *.yml and *.json files (sorted, links not followed)."""
    for path in paths:
        if path == "-":
            yield Target(path, explicit=True)
        elif os.path.isdir(path):
            yield from _walk(path)
        elif os.path.exists(path):
            yield Target(path, explicit=True)
        else:
            raise SourceError(f"{path}: no such file or directory")


def _walk(top: str) -> Iterator[Target]:
    found: list[str] = []
    for root, dirs, files in os.walk(top, onerror=None, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        for name in files:
            if name.lower().endswith(SUFFIXES):
                found.append(os.path.join(root, name))
    for path in sorted(found):
        yield Target(path, explicit=False)


def read_target(target: Target, limits: Limits, stdin: BinaryIO | None = None) -> bytes:
    """The bytes of a target, at most one byte past the size limit (so load() can tell).

    Raises SourceError when they cannot be had.
    """
    try:
        if target.path == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            return stream.read(limits.max_bytes + 1)
        with open(target.path, "rb") as handle:
            return handle.read(limits.max_bytes + 1)
    except OSError as exc:
        raise SourceError(f"{target.path}: {exc.strerror or exc}") from None


def load(
    path: str, data: bytes, limits: Limits, *, explicit: bool, as_json: bool | None = None
) -> SourceFile:
    """Parse `data` (the contents of `path`) into sends and file-level problems."""
    source = SourceFile(path)
    if len(data) > limits.max_bytes:
        source.problems.append(
            Problem(
                "AC100",
                FILE_START,
                f"file is larger than the size limit of {limits.max_bytes} bytes",
            )
        )
        source.holds_send = True  # cannot tell; report rather than skip
        return source
    if as_json is None:
        as_json = path.lower().endswith(".json")
    try:
        text = decode(data)
        documents = load_json(text) if as_json else load_yaml(text, limits)
    except ParseError as exc:
        source.problems.append(Problem("AC100", exc.pos, exc.message))
        source.holds_send = True
        return source
    for document in documents:
        if document is not None:
            source.problems.extend(_duplicate_keys(document))
    _extract_sends(source, documents)
    if not source.holds_send and explicit:
        source.problems.append(
            Problem(
                "AC101",
                FILE_START,
                "no send found: expected a send, a list of sends or a mapping with `sends:` "
                f"(a send has at least one of {', '.join(sorted(SEND_MARKERS))})",
            )
        )
    return source


def sniff_json(data: bytes) -> bool:
    """For stdin without a file name: JSON when the text opens an object or array."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def is_send(node: Node) -> bool:
    return isinstance(node, Map) and not SEND_MARKERS.isdisjoint(node.entries)


def _duplicate_keys(root: Node) -> Iterator[Problem]:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Map):
            for entry in node.duplicates:
                yield Problem(
                    "AC100",
                    entry.key_pos,
                    f"duplicate key `{entry.key}`: which value SMTPeter uses is undefined "
                    "(aligncheck checks the last one)",
                )
            stack.extend(entry.value for entry in node.entries.values())
        elif isinstance(node, Seq):
            stack.extend(node.items)


def _extract_sends(source: SourceFile, documents: list[Node | None]) -> None:
    rejected: list[Problem] = []
    for document in documents:
        if document is None:
            continue
        if is_send(document):
            assert isinstance(document, Map)
            _add_send(source, document, {})
        elif isinstance(document, Map) and "sends" in document.entries:
            _add_sends_mapping(source, document)
        elif isinstance(document, Seq) and any(is_send(item) for item in document.items):
            for item in document.items:
                if isinstance(item, Map):
                    _add_send(source, item, {})
                else:
                    source.problems.append(
                        Problem(
                            "AC101",
                            item.pos,
                            f"entry of a list of sends is {kind_name(item)}, not a mapping",
                        )
                    )
        else:
            rejected.append(
                Problem(
                    "AC101",
                    document.pos,
                    f"document is {kind_name(document)} that is not a send, a list of sends "
                    "or a mapping with `sends:`",
                )
            )
    # A document that is no send only matters in a file that is about sends.
    if source.holds_send:
        source.problems.extend(rejected)


def _add_sends_mapping(source: SourceFile, document: Map) -> None:
    source.holds_send = True
    defaults: dict[str, Entry] = {}
    for key, entry in document.entries.items():
        if key not in SENDS_MAPPING_KEYS:
            source.problems.append(
                Problem(
                    "AC103",
                    entry.key_pos,
                    f"unknown key `{key}` beside `sends:` (expected sends, defaults, x-aligncheck)",
                )
            )
    defaults_node = document.get("defaults")
    if isinstance(defaults_node, Map):
        defaults = dict(defaults_node.entries)
    elif defaults_node is not None and not _is_null(defaults_node):
        source.problems.append(
            Problem(
                "AC102",
                defaults_node.pos,
                f"`defaults` must be a mapping, not {kind_name(defaults_node)}",
            )
        )
    sends = document.get("sends")
    if isinstance(sends, Seq):
        for item in sends.items:
            if isinstance(item, Map):
                _add_send(source, item, defaults)
            else:
                source.problems.append(
                    Problem(
                        "AC101", item.pos, f"entry of `sends` is {kind_name(item)}, not a mapping"
                    )
                )
    elif sends is not None and not _is_null(sends):
        source.problems.append(
            Problem("AC101", sends.pos, f"`sends` must be a list of sends, not {kind_name(sends)}")
        )


def _is_null(node: Node) -> bool:
    return isinstance(node, Scalar) and node.value is None


def _add_send(source: SourceFile, node: Map, defaults: dict[str, Entry]) -> None:
    source.holds_send = True
    properties = {**defaults, **node.entries}
    source.sends.append(RawSend(len(source.sends), node, properties))
