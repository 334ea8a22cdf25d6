"""Suppressions: YAML comments and `x-aligncheck: {ignore: [...]}` in a send or a file.

- `# aligncheck: ignore[AC301]` at the end of a line suppresses that line's findings; on a line
  of its own it suppresses the next line's. Without `[...]` it suppresses every rule.
- `# aligncheck: ignore-file` (or `ignore-file[AC4]`) before the first YAML content suppresses
  the whole file.
- `"x-aligncheck": {"ignore": ["AC301"]}` in a send (the way for JSON, which has no comments)
  suppresses that send's findings; beside `"sends"`, the whole file's.
A suppression that suppresses nothing is reported (AC106), unless the rules it names did not run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from aligncheck.findings import Finding, Pos
from aligncheck.nodes import Map, Node, Scalar, Seq
from aligncheck.parsing import Span
from aligncheck.selection import SelectorError, normalize_selector, rule_hint
from aligncheck.send import Send

_COMMENT = re.compile(r"(?:^|\s)#\s*aligncheck:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?")


@dataclass
class Suppression:
    pos: Pos  # where it is written
    selectors: tuple[str, ...]  # the known code prefixes it names
    scope: str  # "line", "file" or "send"
    target: int | None = None  # the line (scope "line") or send index (scope "send")
    written: str = ""
    unknown: tuple[str, ...] = ()
    used: bool = field(default=False)

    @property
    def every_rule(self) -> bool:
        """Written without rule names. A list of names none of which is known suppresses
        nothing: a typo must never open the gate."""
        return not self.selectors and not self.unknown

    def covers(self, finding: Finding) -> bool:
        if self.scope == "line" and finding.line != self.target:
            return False
        if self.scope == "send" and finding.send != self.target:
            return False
        return self.every_rule or any(finding.rule.startswith(s) for s in self.selectors)


def _selectors(text: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not text or not text.strip():
        return (), ()
    known: list[str] = []
    unknown: list[str] = []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        try:
            known.append(normalize_selector(token))
        except SelectorError:
            unknown.append(token)
    return tuple(known), tuple(unknown)


def from_comments(
    lines: Sequence[tuple[int, str]], first_content: int, values: Sequence[Span] = ()
) -> list[Suppression]:
    """Suppressions written as YAML comments, from (line number, text) pairs; `ignore-file`
    counts only before line `first_content`, the first line of YAML content. A `#` inside
    one of the `values` (quoted and block scalars) is text, not a comment."""
    found: list[Suppression] = []
    for number, line in lines:
        match = next(
            (m for m in _COMMENT.finditer(line) if not _within(values, number, line, m)), None
        )
        if match is None:
            continue
        kind, codes = match.group(1), match.group(2)
        selectors, unknown = _selectors(codes)
        column = line.index("#", match.start()) + 1
        written = match.group(0).strip()
        if kind == "ignore-file":
            if number < first_content:
                found.append(
                    Suppression(Pos(number, column), selectors, "file", None, written, unknown)
                )
            continue
        target = number + 1 if line.lstrip().startswith("#") else number
        found.append(Suppression(Pos(number, column), selectors, "line", target, written, unknown))
    return found


def _within(values: Sequence[Span], number: int, line: str, match: re.Match[str]) -> bool:
    at = (number - 1, line.index("#", match.start()))
    return any(start <= at < end for start, end in values)


def from_send(send: Send) -> list[Suppression]:
    """`x-aligncheck: {ignore: [...]}` in a send."""
    entry = send.properties.get("x-aligncheck")
    return [] if entry is None else _from_marks(entry.value, "send", send.index)


def from_file_marks(marks: Node) -> list[Suppression]:
    """`x-aligncheck: {ignore: [...]}` beside `sends:`: the whole file, as `ignore-file`
    (the way for JSON, which has no comments)."""
    return _from_marks(marks, "file", None)


def _from_marks(marks: Node, scope: str, target: int | None) -> list[Suppression]:
    if not isinstance(marks, Map):
        return []
    ignore = marks.get("ignore")
    if not isinstance(ignore, Seq):
        return []  # AC102 says so
    tokens = [item.value for item in ignore.items if isinstance(item, Scalar)]
    text = ",".join(str(token) for token in tokens)
    selectors, unknown = _selectors(text)
    if not selectors and not unknown:
        return []  # an empty list suppresses nothing
    return [Suppression(ignore.pos, selectors, scope, target, f"ignore: [{text}]", unknown)]


def apply(
    findings: Sequence[Finding],
    suppressions: Iterable[Suppression],
) -> list[Finding]:
    """The findings no suppression covers; marks the suppressions that covered something."""
    active = list(suppressions)
    kept = []
    for finding in findings:
        covering = [s for s in active if s.covers(finding)]
        for suppression in covering:
            suppression.used = True
        if not covering:
            kept.append(finding)
    return kept


def unused(
    suppressions: Iterable[Suppression], ran: Callable[[str], bool]
) -> list[tuple[Pos, int | None, str]]:
    """(position, send, message) for suppressions that suppressed nothing although the rules
    they name ran; and for rule names a suppression does not know."""
    problems: list[tuple[Pos, int | None, str]] = []
    for s in suppressions:
        send = s.target if s.scope == "send" else None
        for token in s.unknown:
            message = f"`{s.written}` names an unknown rule `{token}`{rule_hint(token)}"
            problems.append((s.pos, send, message))
        if s.used or (s.unknown and not s.selectors):
            continue
        if s.selectors and not any(ran(prefix) for prefix in s.selectors):
            continue
        problems.append((s.pos, send, f"`{s.written}` suppresses nothing"))
    return problems
