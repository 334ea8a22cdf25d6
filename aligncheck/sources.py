"""Files → documents with positions → raw sends (spec §1).

All file reading happens here. A file that cannot be read at all is a `SourceError` (a one-line
error, exit status 2); a file that can be read but not parsed gives AC100 problems.
"""

from __future__ import annotations

import enum
import fnmatch
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from aligncheck.errors import AligncheckError
from aligncheck.findings import FILE_START, Pos
from aligncheck.nodes import Entry, Map, Node, Scalar, Seq, kind_name
from aligncheck.parsing import Limits, ParseError, Span, decode, load_json, load_yaml, text_spans

SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_INCLUDE = tuple(f"*{suffix}" for suffix in SUFFIXES)
SEND_MARKERS = frozenset({"envelope", "mime", "from", "recipient", "recipients", "dsn", "template"})
SENDS_MAPPING_KEYS = ("sends", "defaults", "x-aligncheck")
# The markers no other kind of YAML or JSON file uses as keys (`from` and `template` are
# Ansible's, a redirect list's, ...)
OWN_MARKERS = SEND_MARKERS - {"from", "template"}
# Directories never descended into when a directory is expanded.
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})
# What package managers write: megabytes of YAML or JSON that hold no send. Left out unread
# where a file holding no send is left out (a directory expanded, a file list).
LOCK_FILES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml"})


class SourceError(AligncheckError):
    """A path that cannot be read at all (missing, unreadable, a directory loop)."""


class IssueKind(enum.Enum):
    """What is wrong with a file as a whole; rules/input.py says which rule reports each."""

    PARSE = "parse"  # not valid YAML/JSON, not UTF-8, too large, unsafe
    STRUCTURE = "structure"  # not a send, a list of sends or a `sends:` mapping
    TYPE = "type"  # a value of the wrong type where the file's structure needs one
    UNKNOWN_KEY = "unknown-key"  # a key the file's structure does not know


@dataclass(frozen=True)
class Issue:
    """A problem found while reading a file, before a rule names it."""

    kind: IssueKind
    pos: Pos
    message: str


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
    problems: list[Issue] = field(default_factory=list)
    holds_send: bool = False
    reported_empty: bool = False  # holds no send, and says so (AC101)
    # YAML lines that may hold `# aligncheck:` comments, and the first line of content.
    comment_lines: list[tuple[int, str]] = field(default_factory=list)
    first_content_line: int = 1
    value_spans: list[Span] = field(default_factory=list)  # where `#` is text, not a comment
    marks: list[Node] = field(default_factory=list)  # `x-aligncheck` values beside `sends:`


@dataclass(frozen=True)
class FileFilter:
    """Which files directory expansion keeps (and, with force_exclude, named files too).

    `include` globs match file names; `exclude` globs match a file's or directory's name or its
    path relative to `base` (the configuration's directory, else the working directory).
    """

    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    base: str | None = None
    respect_gitignore: bool = True
    force_exclude: bool = False

    def included(self, name: str) -> bool:
        return any(fnmatch.fnmatch(name.lower(), pattern.lower()) for pattern in self.include)

    def excluded(self, path: str) -> bool:
        if not self.exclude:
            return False
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute, self.base or os.getcwd()).replace(os.sep, "/")
        parts = relative.split("/")
        for pattern in self.exclude:
            pattern = pattern.rstrip("/")
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern + "/*"):
                return True
            if "/" not in pattern and any(fnmatch.fnmatch(part, pattern) for part in parts):
                return True
        return False

    def forced_out(self, path: str) -> bool:
        """A file named on the command line (or as stdin's name) that `force_exclude` leaves
        out: an exclude pattern or .gitignore covers it."""
        return self.force_exclude and (
            self.excluded(path) or (self.respect_gitignore and bool(gitignored([path])))
        )


def expand_paths(paths: Sequence[str], files: FileFilter | None = None) -> Iterator[Target]:
    """Expand directories to the files `files` includes (sorted, links not followed).

    Files named explicitly are always checked, unless `force_exclude` is set and an exclude
    pattern or .gitignore covers them.
    """
    files = files or FileFilter()
    for path in paths:
        if path == "-":
            yield Target(path, explicit=True)
        elif os.path.isdir(path):
            yield from _walk(path, files)
        elif os.path.exists(path):
            if not os.path.isfile(path):
                raise SourceError(f"{path}: not a regular file")
            if not files.forced_out(path):
                yield Target(path, explicit=True)
        else:
            raise SourceError(f"{path}: no such file or directory")


def _walk(top: str, files: FileFilter) -> Iterator[Target]:
    found: list[str] = []
    for root, dirs, names in os.walk(top, followlinks=False):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in SKIPPED_DIRS
            and not files.excluded(os.path.join(root, d))
        )
        for name in names:
            path = os.path.join(root, name)
            # isfile: no FIFOs or devices (reading one could hang), no dangling or looping links
            if files.included(name) and os.path.isfile(path) and not files.excluded(path):
                found.append(path)
    ignored = gitignored(found) if files.respect_gitignore else set()
    for path in sorted(found):
        if path not in ignored:
            yield Target(path, explicit=False)


def gitignored(paths: Sequence[str]) -> set[str]:
    """The paths git ignores (.gitignore, .git/info/exclude, global); empty outside a work tree
    or without git."""
    if not paths:
        return set()
    import subprocess

    directory = os.path.dirname(os.path.abspath(paths[0])) or "."
    try:
        result = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            input="\0".join(os.path.abspath(p) for p in paths).encode(),
            capture_output=True,
            cwd=directory,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if result.returncode not in (0, 1):  # 128: not a git work tree
        return set()
    ignored = {os.path.normpath(p) for p in result.stdout.decode().split("\0") if p}
    return {p for p in paths if os.path.normpath(os.path.abspath(p)) in ignored}


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
    path: str,
    data: bytes,
    limits: Limits,
    *,
    explicit: bool,
    as_json: bool | None = None,
    listed: bool = False,
) -> SourceFile:
    """Parse `data` (the contents of `path`) into sends and file-level problems.

    A file that holds no send is AC101 when it was named `explicit`ly, except that a `listed`
    file (a file list such as pre-commit's) only gets it when it plainly tries to be a send
    file. A DNS snapshot is never a send file."""
    source = SourceFile(path)
    if os.path.basename(path) in LOCK_FILES and _left_out([], explicit, listed):
        return source
    if len(data) > limits.max_bytes:
        if _unreadable_left_out(data, explicit, listed):
            return source  # some other large file (data, fixtures)
        source.problems.append(
            Issue(
                IssueKind.PARSE,
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
    except ParseError as exc:
        if _unreadable_left_out(data, explicit, listed):
            return source  # binary (git-crypt secrets) or another encoding
        source.problems.append(Issue(IssueKind.PARSE, exc.pos, exc.message))
        source.holds_send = True
        return source
    try:
        if not as_json and "aligncheck:" in text:
            _collect_comments(source, text)

        def wanted(documents: list[Node | None]) -> bool:
            return not _skipped_unread(documents, explicit, listed)

        loaded = load_json(text, wanted) if as_json else load_yaml(text, limits, wanted)
        if loaded is None:
            return source
        documents, duplicates = loaded
    except ParseError as exc:
        source.problems.append(Issue(IssueKind.PARSE, exc.pos, exc.message))
        source.holds_send = True
        return source
    source.problems.extend(_duplicate_key(entry) for entry in duplicates)
    guessing = _guessing(explicit, listed)
    if any(_holds_sends(document, guessing) for document in documents):
        _extract_sends(source, documents)
    if len(source.sends) > limits.max_sends:
        source.problems.append(
            Issue(
                IssueKind.PARSE,
                FILE_START,
                f"file holds {len(source.sends)} sends, over the limit of {limits.max_sends}: "
                "only the first are checked",
            )
        )
        del source.sends[limits.max_sends :]
    if not source.holds_send and not _left_out(documents, explicit, listed):
        source.reported_empty = True
        source.problems.append(
            Issue(
                IssueKind.STRUCTURE,
                FILE_START,
                "no send found: expected a send, a list of sends or a mapping with `sends:` "
                f"(a send has at least one of {', '.join(sorted(SEND_MARKERS))})",
            )
        )
    return source


# A key that marks a send (`from` and `template` too: in doubt, report) or a `sends:` file,
# quoted or not, at the start of a line or after `{`, `,`, `[`, `-`
_SEND_KEY = re.compile(
    rb"""(?:^|[\s{,\[-])["']?(?:%s)["']?\s*:"""
    % "|".join(sorted(SEND_MARKERS | {"sends", "defaults"})).encode(),
    re.M,
)
HEAD_BYTES = 64 * 1024  # how much of a file that cannot be read is looked at


def _unreadable_left_out(data: bytes, explicit: bool, listed: bool) -> bool:
    """Whether a file that cannot be read (too large, binary, not UTF-8) is left out as a
    file holding no send is: where aligncheck guesses, and its start names no key a send
    file has. Otherwise it is AC100."""
    return _guessing(explicit, listed) and not _head_names_sends(data)


def _head_names_sends(data: bytes) -> bool:
    head = data[:HEAD_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: its keys are text too
        head = head.decode("utf-16", errors="replace").encode()
    return _SEND_KEY.search(head) is not None


def _left_out(documents: list[Node | None], explicit: bool, listed: bool) -> bool:
    """Whether a file holding no send is left out of the run rather than reported (AC101):
    it was found by expanding a directory, or it is a DNS snapshot, or it came in a file
    list and does not plainly try to be a send file."""
    if not explicit or _is_snapshot(documents):
        return True
    return listed and not any(_tries_to_be_sends(d) for d in documents)


def _skipped_unread(documents: list[Node | None], explicit: bool, listed: bool) -> bool:
    """Whether a file is left out before its trees are built: its documents hold no send and
    the file would be left out. The loaders ask it of an outline (a JSON document's keys and
    items two levels deep), or of a lenient reading of text that is no JSON or YAML as it
    stands (JSON with comments; YAML with tags of other tools, or a Helm template)."""
    guessing = _guessing(explicit, listed)
    if any(_holds_sends(document, guessing) for document in documents):
        return False
    return _left_out(documents, explicit, listed)


def _guessing(explicit: bool, listed: bool) -> bool:
    """Whether it is ours to judge if a file is a send file: no one named it on its own
    (found in a directory, or in a file list that names every YAML and JSON file)."""
    return listed or not explicit


def _holds_sends(document: Node | None, guessing: bool) -> bool:
    """Whether a document holds sends for `_extract_sends` to take: a send, a mapping with
    `sends:`, or a list with at least one send. While `guessing` (a file found in a
    directory or named in a file list, which may be any YAML or JSON), a send outside a
    `sends:` list whose only markers are words other tools use too (`from`, `template`)
    counts only when its keys are mostly send properties and its `from` is no path or URL:
    an Ansible task (`name`, `template`, `notify`) is no send, nor a redirect (`from: /old`,
    `to: /new`)."""

    def send(node: Node) -> bool:
        if not is_send(node):
            return False
        assert isinstance(node, Map)
        return not guessing or bool(node.entries.keys() & OWN_MARKERS) or _reads_as_send(node)

    if isinstance(document, Map):
        return "sends" in document.entries or send(document)
    return isinstance(document, Seq) and any(send(item) for item in document.items)


def _reads_as_send(node: Node) -> bool:
    """Whether a mapping without a marker only send files use (`envelope`, `recipient`, ...)
    reads as a send: its keys are mostly send properties (`subject`, `text`, ...) and its
    `from` is no path or URL (a redirect's `from: /old`)."""
    if not isinstance(node, Map) or not _mostly_send_properties(node):
        return False
    written = node.entries.get("from")
    value = written.value.value if written and isinstance(written.value, Scalar) else None
    return not (isinstance(value, str) and (value.startswith("/") or "://" in value))


def _is_snapshot(documents: list[Node | None]) -> bool:
    return any(isinstance(d, Map) and "aligncheck_snapshot" in d.entries for d in documents)


def _tries_to_be_sends(document: Node | None) -> bool:
    """A `defaults:` key, or a mapping whose keys are mostly send properties (`subject`,
    `text`, ...): a send file with a mistake, not some other YAML or JSON file."""
    if not isinstance(document, Map) or not document.entries:
        return False
    if "defaults" in document.entries or "sends" in document.entries:
        return True
    return _reads_as_send(document)


def _mostly_send_properties(node: Node) -> bool:
    """A mapping more than half of whose keys are send properties (`subject`, `text`, ...)."""
    from aligncheck.rules.input import SEND_PROPERTIES

    if not isinstance(node, Map):
        return False
    known = sum(1 for key in node.entries if key in SEND_PROPERTIES)
    return known * 2 > len(node.entries)


def _collect_comments(source: SourceFile, text: str) -> None:
    """Keep the few lines that may carry suppressions; the text itself is not kept."""
    first_content = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not first_content and stripped and not stripped.startswith("#") and stripped != "---":
            first_content = number
        if "aligncheck:" in line and "#" in line:
            source.comment_lines.append((number, line))
    source.first_content_line = first_content or number + 1
    if source.comment_lines:
        source.value_spans = text_spans(text)


def sniff_json(data: bytes) -> bool:
    """For stdin without a file name: JSON when the text opens an object or array."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def is_send(node: Node) -> bool:
    return isinstance(node, Map) and not SEND_MARKERS.isdisjoint(node.entries)


def _duplicate_key(entry: Entry) -> Issue:
    return Issue(
        IssueKind.PARSE,
        entry.key_pos,
        f"duplicate key `{entry.key}`: which value SMTPeter uses is undefined "
        "(aligncheck checks the last one)",
    )


def _extract_sends(source: SourceFile, documents: list[Node | None]) -> None:
    rejected: list[Issue] = []
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
                        Issue(
                            IssueKind.STRUCTURE,
                            item.pos,
                            f"entry of a list of sends is {kind_name(item)}, not a mapping",
                        )
                    )
        else:
            rejected.append(
                Issue(
                    IssueKind.STRUCTURE,
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
        if key not in SENDS_MAPPING_KEYS and not key.startswith("x-"):
            from aligncheck.spelling import nearest

            close = nearest(key, ("sends", "defaults"))
            hint = (
                f"did you mean `{close}`?"
                if close
                else "expected sends, defaults, or an `x-` key, such as `x-common: &common` "
                "for anchors"
            )
            source.problems.append(
                Issue(
                    IssueKind.UNKNOWN_KEY,
                    entry.key_pos,
                    f"unknown key `{key}` beside `sends:` ({hint})",
                )
            )
    marks = document.get("x-aligncheck")
    if marks is not None:
        source.marks.append(marks)
    defaults_node = document.get("defaults")
    if isinstance(defaults_node, Map):
        defaults = dict(defaults_node.entries)
    elif defaults_node is not None and not _is_null(defaults_node):
        source.problems.append(
            Issue(
                IssueKind.TYPE,
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
                    Issue(
                        IssueKind.STRUCTURE,
                        item.pos,
                        f"entry of `sends` is {kind_name(item)}, not a mapping",
                    )
                )
    elif sends is not None and not _is_null(sends):
        source.problems.append(
            Issue(
                IssueKind.STRUCTURE,
                sends.pos,
                f"`sends` must be a list of sends, not {kind_name(sends)}",
            )
        )


def _is_null(node: Node) -> bool:
    return isinstance(node, Scalar) and node.value is None


def _add_send(source: SourceFile, node: Map, defaults: dict[str, Entry]) -> None:
    source.holds_send = True
    properties = {**defaults, **node.entries}
    source.sends.append(RawSend(len(source.sends), node, properties))
