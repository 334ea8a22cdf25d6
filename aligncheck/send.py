"""Send: the typed view of one send, with its author and envelope extracted (spec §1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aligncheck.addresses import (
    AddressError,
    AuthorIssue,
    AuthorProblem,
    Mailbox,
    UnresolvedAddress,
    address_domain,
    parse_envelope,
    parse_from,
)
from aligncheck.findings import Pos
from aligncheck.nodes import Entry, Map, Node, Scalar
from aligncheck.parallel import handed_back
from aligncheck.sources import RawSend

_HEADER_NAME = re.compile(r"^([!-9;-~]+)[ \t]*:")


if TYPE_CHECKING:
    from aligncheck.profiles import SenderDomain
    from aligncheck.settings import Settings


@dataclass(frozen=True)
class Author:
    """Where the author (RFC5322.From) comes from, and what it is.

    Exactly one of `mailbox` and `problem` is set, unless the author cannot be known (template).
    """

    source: str  # "mime", "from", "template" or "none"
    pos: Pos
    mailbox: Mailbox | None = None
    problem: AuthorProblem | None = None


@dataclass(frozen=True)
class Envelope:
    """The `envelope` property: the MAIL FROM address when present."""

    pos: Pos
    written: str
    mailbox: Mailbox | None = None
    error: str | None = None
    unresolved: str | None = None  # a personalization variable: known only at send time

    @property
    def domain(self) -> str | None:
        return None if self.mailbox is None else self.mailbox.domain


# SMTPeter's boolean options a header in `mime` overrides: name -> how its header is spelt
HEADER_OPTIONS = {
    "trackbounces": "TrackBounces",
    "trackclicks": "TrackClicks",
    "trackopens": "TrackOpens",
    "inlinecss": "InlineCSS",
}


@dataclass(frozen=True)
class Send:
    path: str
    index: int
    raw: RawSend
    author: Author
    envelope: Envelope | None
    # `X-SMTPeter-<option>: true|false` headers in `mime`: (option, value, 0-based line)
    header_options: tuple[tuple[str, bool, int], ...] = ()
    dkim_signature: tuple[str, str] | None = None  # (s=, d=) of a DKIM-Signature in `mime`

    @property
    def tracking(self) -> bool | None:
        """Bounce tracking as written: the `mime` header overrides the property (SMTPeter)."""
        return self.option("trackbounces")

    def option(self, name: str) -> bool | None:
        """A boolean SMTPeter option as it takes effect: an `X-SMTPeter-<name>` header in
        `mime` overrides the property (SMTPeter's SMTP headers page)."""
        for option, value, _ in self.header_options:
            if option == name:
                return value
        return self.boolean(name)

    def option_written(self, name: str) -> tuple[str, Pos | None]:
        """What set an option, as a message quotes it, and the line to point at when it is
        the header in `mime` (None for the property, whose key or value the rule points at)."""
        value = "true" if self.option(name) else "false"
        mime = self.value("mime")
        for option, _, at in self.header_options:
            if option == name and isinstance(mime, Scalar):
                header = f"X-SMTPeter-{HEADER_OPTIONS[name]}"
                return f"the `{header}: {value}` header in `mime`", mime.line_pos(at)
        return f"`{name}: {value}`", None

    @property
    def line(self) -> int:
        """The line the send's own mapping starts at."""
        return self.raw.node.pos.line

    @property
    def properties(self) -> dict[str, Entry]:
        return self.raw.properties

    def value(self, key: str) -> Node | None:
        entry = self.raw.properties.get(key)
        return None if entry is None else entry.value

    def string(self, key: str) -> str | None:
        node = self.value(key)
        if isinstance(node, Scalar) and isinstance(node.value, str):
            return node.value
        return None

    def boolean(self, key: str) -> bool | None:
        node = self.value(key)
        if isinstance(node, Scalar) and isinstance(node.value, bool):
            return node.value
        return None

    @property
    def author_domain(self) -> str | None:
        return None if self.author.mailbox is None else self.author.mailbox.domain

    @property
    def envelope_domain(self) -> str | None:
        return None if self.envelope is None else self.envelope.domain


@handed_back
@dataclass(frozen=True, slots=True)
class MailFrom:
    """The RFC5321.MailFrom of a send (spec §7): `envelope` (its domain), `bounce-host` (a
    profile's, with bounce tracking on), `null` (`MAIL FROM:<>`), or `unknown` (bounce tracking
    on and no profile names the bounce host, or an envelope that cannot be judged)."""

    kind: str
    domain: str | None
    pos: Pos


def mail_from(send: Send, bounce_host: str | None) -> MailFrom:
    envelope = send.envelope
    tracking = send.tracking
    if envelope is not None and tracking is not True:
        kind = "envelope" if envelope.domain is not None else "unknown"
        return MailFrom(kind, envelope.domain, envelope.pos)
    if envelope is None and tracking is False:
        return MailFrom("null", None, send.author.pos)
    if bounce_host is not None:
        return MailFrom("bounce-host", bounce_host, send.author.pos)
    return MailFrom("unknown", None, envelope.pos if envelope else send.author.pos)


@handed_back
@dataclass(frozen=True, slots=True)
class DnsSend:
    """What the DNS rules need of a send, kept after its file's nodes are dropped."""

    path: str
    index: int
    author_domain: str | None
    author_pos: Pos
    envelope: Envelope | None
    trackbounces: bool | None
    line: int  # where the send's mapping starts
    mail_from: MailFrom
    hosts: tuple[str, ...] = ()  # the hosts it leaves from, when known
    dkim_keys: tuple[tuple[str, str], ...] = ()  # (selector, d=) that may sign it
    signature_breaks: bool = False  # a DKIM-Signature in `mime` that rewriting breaks (AC806)

    @property
    def envelope_domain(self) -> str | None:
        return None if self.envelope is None else self.envelope.domain


def for_dns(send: Send, settings: Settings) -> DnsSend:
    """What the DNS rules need of a send, with its MAIL FROM and sending hosts decided by the
    sender-domain profile of its author (if any)."""
    profile = settings.profile(send.author_domain)
    return DnsSend(
        send.path,
        send.index,
        send.author_domain,
        send.author.pos,
        send.envelope,
        send.tracking,
        send.line,
        mail_from(send, profile.bounce_host if profile else None),
        settings.hosts_for(profile),
        dkim_keys(send, profile),
        signature_breaks(send),
    )


REWRITES = ("trackclicks", "trackopens", "inlinecss")  # SMTPeter's changes to the message


def signature_breaks(send: Send) -> bool:
    """A DKIM-Signature in `mime` while SMTPeter may rewrite the message (not every one of
    its rewriting options explicitly false)."""
    return send.dkim_signature is not None and any(
        send.option(name) is not False for name in REWRITES
    )


def dkim_keys(send: Send, profile: SenderDomain | None) -> tuple[tuple[str, str], ...]:
    """The keys a send may be signed with: its own DKIM-Signature's, else every selector of
    its author's profile (SMTPeter rotates among them, so each must hold a valid key)."""
    if send.dkim_signature is not None:
        return (send.dkim_signature,)
    if profile is None:
        return ()
    return tuple((selector, profile.signing_domain) for selector in profile.dkim_selectors)


def build_send(path: str, raw: RawSend) -> Send:
    headers: tuple[tuple[str, str, int], ...] = ()
    mime = raw.properties.get("mime")
    if mime is not None and isinstance(mime.value, Scalar) and isinstance(mime.value.value, str):
        headers = tuple(header_fields(mime.value.value))
    options: dict[str, tuple[str, bool, int]] = {}
    for name, value, at in headers:
        prefix, _, option = name.lower().partition("x-smtpeter-")
        said = value.strip().lower()
        if not prefix and option in HEADER_OPTIONS and said in ("true", "false"):
            options.setdefault(option, (option, said == "true", at))  # the first one counts
    signature = next(
        (value for name, value, _ in headers if name.lower() == "dkim-signature"), None
    )
    return Send(
        path,
        raw.index,
        raw,
        _author(raw, headers),
        _envelope(raw),
        tuple(options.values()),
        _signature_key(signature) if signature is not None else None,
    )


def _signature_key(value: str) -> tuple[str, str] | None:
    """(selector, signing domain) of a DKIM-Signature header value, when both are usable."""
    tags = {}
    for part in value.split(";"):
        name, _, tag_value = part.partition("=")
        tags[name.strip().lower()] = "".join(tag_value.split())
    selector, domain = tags.get("s", ""), tags.get("d", "")
    try:
        return selector.lower(), address_domain(domain)
    except AddressError:
        return None


def header_fields(message: str) -> list[tuple[str, str, int]]:
    """The header fields of an RFC 5322 message: (name, unfolded value, 0-based line index).

    Reading stops at the first empty line (or a line that is not a header), so a large body
    is never scanned.
    """
    fields: list[tuple[str, list[str], int]] = []  # a field's lines, joined once at the end
    start = 0
    index = 0
    length = len(message)
    while start < length:
        end = message.find("\n", start)
        if end == -1:
            end = length
        line = message[start:end].rstrip("\r")
        if not line:
            break
        if line[0] in " \t" and fields:
            fields[-1][1].append(line.strip())
        else:
            match = _HEADER_NAME.match(line)
            if match is None:
                break
            fields.append((match.group(1), [line[match.end() :].strip()], index))
        start = end + 1
        index += 1
    return [(name, " ".join(parts), at) for name, parts, at in fields]


def _author(raw: RawSend, headers: tuple[tuple[str, str, int], ...]) -> Author:
    props = raw.properties
    mime = props.get("mime")
    if mime is not None and isinstance(mime.value, Scalar) and isinstance(mime.value.value, str):
        mime_node = mime.value
        froms = [(value, at) for name, value, at in headers if name.lower() == "from"]
        if len(froms) > 1:
            return Author(
                "mime",
                mime_node.line_pos(froms[1][1]),
                problem=AuthorProblem(
                    AuthorIssue.MULTIPLE,
                    f"`mime` has {len(froms)} From header fields (RFC 5322 allows one)",
                ),
            )
        if froms:
            value, at = froms[0]
            return _parsed("mime", mime_node.line_pos(at), value)
    from_entry = props.get("from")
    if from_entry is not None:
        node = from_entry.value
        if isinstance(node, Scalar) and isinstance(node.value, str):
            return _parsed("from", node.pos, node.value)
        if isinstance(node, Map):
            address = node.get("address")
            if isinstance(address, Scalar) and isinstance(address.value, str):
                return _parsed("from", address.pos, address.value)
            return Author(
                "from",
                node.pos,
                problem=AuthorProblem(AuthorIssue.INVALID, "`from` has no `address`"),
            )
        return Author("from", node.pos)  # wrong type: AC102 reports it
    template = props.get("template")
    if template is not None:
        return Author("template", template.value.pos)
    pos = mime.value.pos if mime is not None else raw.node.pos
    return Author("none", pos)


def _parsed(source: str, pos: Pos, value: str) -> Author:
    try:
        return Author(source, pos, mailbox=parse_from(value))
    except AuthorProblem as problem:
        return Author(source, pos, problem=problem)


def _envelope(raw: RawSend) -> Envelope | None:
    entry = raw.properties.get("envelope")
    if entry is None:
        return None
    node = entry.value
    if not isinstance(node, Scalar) or not isinstance(node.value, str):
        return None  # wrong type: AC102 reports it
    try:
        return Envelope(node.pos, node.value, mailbox=parse_envelope(node.value))
    except UnresolvedAddress as exc:
        return Envelope(node.pos, node.value, unresolved=str(exc))
    except AddressError as exc:
        return Envelope(node.pos, node.value, error=str(exc))
