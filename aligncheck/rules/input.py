"""AC1xx: input and structure. What reading a file finds (`sources.Issue`) is named here
(AC100 to AC103), and so are unused suppressions (AC106)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import NamedTuple

from aligncheck.addresses import VARIABLE, AddressError, parse_envelope
from aligncheck.findings import Fix, Pos, Problem, Severity
from aligncheck.nodes import Entry, Map, Node, Scalar, Seq, kind_name
from aligncheck.rules.base import Rule
from aligncheck.send import Send, mail_from
from aligncheck.settings import Settings
from aligncheck.sources import Issue, IssueKind
from aligncheck.spelling import nearest

RULES = [
    Rule(
        "AC100",
        "parse-error",
        Severity.ERROR,
        "The file is not valid YAML/JSON, not UTF-8, too large, or unsafe YAML.",
        "aligncheck reads YAML with a safe loader: custom tags (`!!python/object`), aliases "
        "that expand past a limit and nesting deeper than 200 levels are refused. Files must be "
        "UTF-8 and within the size limit. A key written twice in one mapping is reported too: "
        "which value SMTPeter would use is undefined.",
        failing="envelope: bounces@example.com\nmime: [unclosed\n",
        passing="envelope: bounces@example.com\nfrom: info@example.com\n",
    ),
    Rule(
        "AC101",
        "invalid-structure",
        Severity.ERROR,
        "A document is not a send, a list of sends or a `sends:` mapping.",
        "A send is a mapping with at least one of envelope, mime, from, recipient, recipients, "
        "dsn or template. A file may also hold a list of sends, or a mapping with `sends:` (a "
        "list) and optional `defaults:`. A file named on the command line that holds no send "
        "is reported; one found by expanding a directory is skipped.",
        failing="sends:\n  - from: info@example.com\n  - just a string\n",
        passing="sends:\n  - from: info@example.com\n  - from: news@example.com\n",
    ),
    Rule(
        "AC102",
        "invalid-type",
        Severity.ERROR,
        "A known property has the wrong type.",
        "Each SMTPeter property has a type: `dsn` is a mapping, `trackbounces` a boolean, "
        "`notify` a string with a comma list, `recipients` a list of addresses.",
        failing="from: info@example.com\nenvelope: bounces@example.com\ndsn: FAILURE\n",
        passing="from: info@example.com\nenvelope: bounces@example.com\ndsn:\n  notify: FAILURE\n",
    ),
    Rule(
        "AC103",
        "unknown-property",
        Severity.WARNING,
        "A send or `dsn` property SMTPeter does not know; the nearest known name is suggested.",
        "SMTPeter ignores properties it does not know, so a misspelt `envelop` silently sends "
        "without your envelope.",
        failing="from: info@example.com\nenvelop: bounces@example.com\n",
        passing="from: info@example.com\nenvelope: bounces@example.com\n",
        fix="renames a case or spelling variant of a known property (`Envelope`, `reply_to`, "
        "`Track-Bounces`) unless the mapping already has that name; a misspelling (`envelop`) "
        "is only suggested.",
    ),
    Rule(
        "AC104",
        "conflicting-properties",
        Severity.WARNING,
        "Properties that contradict each other.",
        "`recipient` with `recipients`; `mime` with properties SMTPeter only uses to build a "
        "message (`from`, `subject`, `text`, `html`, `to`, `cc`, `template`), which it then "
        "ignores; `envelope` with bounce tracking explicitly on (`trackbounces: true`, or an "
        "`X-SMTPeter-TrackBounces: true` header in `mime`, which overrides the property): "
        "SMTPeter then sends from its own bounce address under the sender domain's bounce "
        "host, and the envelope is not the MAIL FROM.",
        failing="envelope: bounces@example.com\nfrom: info@example.com\ntrackbounces: true\n",
        passing="envelope: bounces@example.com\nfrom: info@example.com\n",
    ),
    Rule(
        "AC105",
        "recipient-invalid",
        Severity.ERROR,
        "A `recipient` or `recipients` entry is not a bare address.",
        "SMTPeter takes pure addresses only: no display names, no angle brackets.",
        failing="from: info@example.com\nrecipient: Jane <jane@example.org>\n",
        passing="from: info@example.com\nrecipient: jane@example.org\n",
    ),
    Rule(
        "AC106",
        "unused-suppression",
        Severity.INFO,
        "A suppression that suppresses nothing, or names an unknown rule.",
        "`# aligncheck: ignore[CODE]` at the end of a line (or on the line above), "
        "`# aligncheck: ignore-file` before the first YAML content, and "
        "`x-aligncheck: {ignore: [CODE]}` in a send (the way for JSON) suppress findings. "
        "One that no longer suppresses anything hides the next real problem: remove it. "
        "Suppressions naming rules that did not run (not selected, or DNS rules in an "
        "`--offline` run) are not reported.",
        failing="from: info@example.com\n"
        "envelope: bounces@example.com  # aligncheck: ignore[AC300]\n",
        passing="from: info@example.com\n"
        "envelope: Bounces <b@example.com>  # aligncheck: ignore[AC300]\n",
    ),
]

Predicate = Callable[[Node], bool]


def _is_str(node: Node) -> bool:
    return isinstance(node, Scalar) and isinstance(node.value, str)


def _is_bool(node: Node) -> bool:
    return isinstance(node, Scalar) and isinstance(node.value, bool)


def _is_int(node: Node) -> bool:
    return isinstance(node, Scalar) and type(node.value) is int


def _is_map(node: Node) -> bool:
    return isinstance(node, Map)


def _is_seq(node: Node) -> bool:
    return isinstance(node, Seq)


def _is_str_list(node: Node) -> bool:
    return isinstance(node, Seq) and all(_is_str(item) for item in node.items)


def _any_of(*predicates: Predicate) -> Predicate:
    return lambda node: any(predicate(node) for predicate in predicates)


class Expected(NamedTuple):
    """What a property must be: in words (AC102), as a check, and as JSON Schema (the schema
    `aligncheck schema` prints is built from these declarations)."""

    description: str
    predicate: Predicate
    schema: Mapping[str, object]


_STRING = Expected("a string", _is_str, {"type": "string"})
_BOOLEAN = Expected("a boolean (true or false)", _is_bool, {"type": "boolean"})
_MAPPING = Expected("a mapping", _is_map, {"type": "object"})
_ADDRESSES = Expected(
    "a string or a list of strings",
    _any_of(_is_str, _is_str_list),
    {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
)

SEND_PROPERTIES: Mapping[str, Expected] = {
    "recipient": _STRING,
    "recipients": Expected(
        "a list of addresses or a mapping of addresses",
        _any_of(_is_seq, _is_map),
        {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]},
    ),
    "envelope": _STRING,
    "mime": _STRING,
    "from": Expected(
        "a string or a mapping with `name` and `address`",
        _any_of(_is_str, _is_map),
        {
            "anyOf": [
                {"type": "string"},
                {"type": "object", "properties": {"name": {}, "address": {}}},
            ]
        },
    ),
    "to": _ADDRESSES,
    "cc": _ADDRESSES,
    "replyto": _ADDRESSES,
    "replyTo": _ADDRESSES,
    "subject": _STRING,
    "text": _STRING,
    "html": _STRING,
    "template": Expected(
        "a template id, name or mapping",
        _any_of(_is_int, _is_str, _is_map),
        {"type": ["integer", "string", "object"]},
    ),
    "patch": Expected("a list (JSON Patch)", _is_seq, {"type": "array"}),
    "data": _MAPPING,
    "unsubscribe": _MAPPING,
    "extra": _MAPPING,
    "headers": _MAPPING,
    "attachments": Expected("a list", _is_seq, {"type": "array"}),
    "dsn": _MAPPING,
    "trackclicks": _BOOLEAN,
    "trackopens": _BOOLEAN,
    "trackbounces": _BOOLEAN,
    "inlinecss": _BOOLEAN,
    "preventscam": _BOOLEAN,
    "tags": Expected(
        "a list of strings", _is_str_list, {"type": "array", "items": {"type": "string"}}
    ),
    "maxdelivertime": Expected("a string `YYYY-MM-DD hh:mm:ss`", _is_str, {"type": "string"}),
    "images": _STRING,
    "x-aligncheck": _MAPPING,
}
MARK_PROPERTIES: Mapping[str, Expected] = {  # inside `x-aligncheck`
    "ignore": Expected(
        "a list of rule codes or names",
        _is_str_list,
        {"type": "array", "items": {"type": "string"}},
    ),
}
DSN_PROPERTIES: Mapping[str, Expected] = {
    "notify": _STRING,
    "ret": _STRING,
    "envid": _STRING,
    "orcpt": _STRING,
}
GENERATED_MIME = ("from", "subject", "text", "html", "to", "cc", "template")


FILE_CODES = {
    IssueKind.PARSE: "AC100",
    IssueKind.STRUCTURE: "AC101",
    IssueKind.TYPE: "AC102",
    IssueKind.UNKNOWN_KEY: "AC103",
}


def file_problems(issues: Iterable[Issue]) -> Iterator[Problem]:
    """What reading a file found, as findings of AC100 to AC103."""
    for issue in issues:
        yield Problem(FILE_CODES[issue.kind], issue.pos, issue.message)


def file_marks(marks: Node) -> Iterator[Problem]:
    """What is wrong with an `x-aligncheck` beside `sends:` (in a send, `check` says it)."""
    if not isinstance(marks, Map):
        yield Problem(
            "AC102", marks.pos, f"`x-aligncheck` must be a mapping, not {kind_name(marks)}"
        )
        return
    yield from _types_and_names(marks.entries, MARK_PROPERTIES, "`x-aligncheck`")


def unused_suppression(pos: Pos, message: str) -> Problem:
    return Problem("AC106", pos, message)


def check(send: Send, settings: Settings) -> Iterator[Problem]:
    yield from _types_and_names(send.raw.properties, SEND_PROPERTIES, "send")
    dsn = send.value("dsn")
    if isinstance(dsn, Map):
        yield from _types_and_names(dsn.entries, DSN_PROPERTIES, "`dsn`")
    marks = send.value("x-aligncheck")
    if isinstance(marks, Map):
        yield from _types_and_names(marks.entries, MARK_PROPERTIES, "`x-aligncheck`")
    yield from _conflicts(send, settings)
    yield from _recipients(send)


def _types_and_names(
    entries: Mapping[str, Entry], known: Mapping[str, Expected], where: str
) -> Iterator[Problem]:
    for key, entry in entries.items():
        expected = known.get(key)
        if expected is None:
            hint = nearest(key, known)
            same = variant_of(key, known)
            yield Problem(
                "AC103",
                entry.key_pos,
                f"unknown {where} property `{key}`" + (f"; did you mean `{hint}`?" if hint else ""),
                # a case or spelling variant is renamed, unless the name is taken already
                fix=Fix(key, same, key=True) if same and same not in entries else None,
            )
            continue
        description, predicate, _ = expected
        if not predicate(entry.value):
            yield Problem(
                "AC102",
                entry.value.pos,
                f"`{key}` must be {description}, not {kind_name(entry.value)}",
            )


def _folded(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def variant_of(key: str, known: Mapping[str, object]) -> str | None:
    """The known name `key` spells another way (`Envelope`, `reply_to`, `Track-Bounces`):
    the same letters, in any case, with `_` or `-` between words. Where two known names fold
    alike (`replyto`, `replyTo`), the one closest in case to `key`."""
    same = [name for name in known if _folded(name) == _folded(key)]
    if not same:
        return None
    letters = key.replace("_", "").replace("-", "")
    return min(same, key=lambda name: sum(a != b for a, b in zip(name, letters, strict=False)))


def _conflicts(send: Send, settings: Settings) -> Iterator[Problem]:
    props = send.raw.properties
    if "recipient" in props and "recipients" in props:
        yield Problem(
            "AC104",
            props["recipients"].key_pos,
            "`recipient` and `recipients` are both given; SMTPeter takes one or the other",
        )
    if "mime" in props:
        for key in GENERATED_MIME:
            if key in props:
                yield Problem(
                    "AC104",
                    props[key].key_pos,
                    f"`{key}` is ignored: with `mime`, SMTPeter sends the MIME message as it is",
                )
    if "envelope" in props and send.tracking is True:
        yield _tracking_beside_envelope(send, settings)


def _tracking_beside_envelope(send: Send, settings: Settings) -> Problem:
    """Bounce tracking explicitly on beside an envelope: SMTPeter then keeps its own bounce
    address, so the MAIL FROM is the profile's bounce host, not the envelope (spec §7)."""
    profile = settings.profile(send.author_domain)
    taken = mail_from(send, profile.bounce_host if profile else None)
    if taken.kind == "bounce-host":
        then = (
            f"SMTPeter's bounce address under `{taken.domain}` is the MAIL FROM, not the envelope"
        )
    else:
        then = (
            "the MAIL FROM is SMTPeter's bounce address, whose host no sender-domain profile "
            "names, so the SPF leg is not judged"
        )
    said, header = send.option_written("trackbounces")
    pos = header or send.properties["trackbounces"].key_pos
    return Problem(
        "AC104", pos, f"{said} beside `envelope` keeps bounce tracking on: {then} (drop one)"
    )


def _recipients(send: Send) -> Iterator[Problem]:
    recipient = send.value("recipient")
    if isinstance(recipient, Scalar) and isinstance(recipient.value, str):
        yield from _bare_address(recipient.value, recipient)
    recipients = send.value("recipients")
    if isinstance(recipients, Seq):
        for item in recipients.items:
            if isinstance(item, Scalar) and isinstance(item.value, str):
                yield from _bare_address(item.value, item)
            else:
                yield Problem(
                    "AC102",
                    item.pos,
                    f"a `recipients` entry must be a string, not {kind_name(item)}",
                )
    elif isinstance(recipients, Map):
        for key, entry in recipients.entries.items():
            yield from _bare_address(key, Scalar(entry.key_pos, key))


def _bare_address(text: str, node: Scalar) -> Iterator[Problem]:
    if VARIABLE.fullmatch(text):
        return  # the whole address is filled in at send time
    try:
        parse_envelope(text)
    except AddressError as exc:
        yield Problem("AC105", node.pos, f"recipient `{text}` is not a bare address: {exc}")


def recipient_addresses(send: Send) -> list[str]:
    """Every recipient address written in the send (for checks that compare with them)."""
    found: list[str] = []
    recipient = send.string("recipient")
    if recipient is not None:
        found.append(recipient)
    recipients = send.value("recipients")
    if isinstance(recipients, Seq):
        found.extend(
            item.value
            for item in recipients.items
            if isinstance(item, Scalar) and isinstance(item.value, str)
        )
    elif isinstance(recipients, Map):
        found.extend(recipients.entries)
    return found
