"""Address syntax: RFC 5321 envelope mailboxes, RFC 5322 From values, domain normalization.

Domains are normalized with IDNA2008 + UTS #46 (the `idna` package, never Python's IDNA2003
codec, which turns `faß.de` into `fass.de`) to lower-case A-labels.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass

VARIABLE = re.compile(r"\{\$[^{}]*\}")
_LDH_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_ANGLE_ADDR = re.compile(r"<([^<>]*)>")


class AddressError(ValueError):
    """An address or domain that cannot be used; the message says why."""


@dataclass(frozen=True)
class Mailbox:
    """A parsed address: local part as written, domain normalized to a lower-case A-label."""

    local: str
    domain: str

    @property
    def address(self) -> str:
        return f"{self.local}@{self.domain}"


_PLAIN_DOMAIN = re.compile(
    r"^(?!.*(?:^|\.)xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)


@functools.lru_cache(maxsize=65536)
def normalize_domain(domain: str) -> str:
    """The lower-case A-label form of `domain`, or AddressError saying what is wrong."""
    if len(domain) <= 253 and _PLAIN_DOMAIN.match(domain.lower()):
        return domain.lower()  # plain LDH ASCII: IDNA would return it unchanged
    if not domain:
        raise AddressError("the domain is empty")
    if domain.endswith("."):
        raise AddressError(f"domain `{domain}` ends with a dot")
    labels = domain.split(".")
    if "" in labels:
        raise AddressError(f"domain `{domain}` has an empty label")
    for label in labels:
        if label.isascii():
            if "_" in label:
                raise AddressError(f"domain `{domain}` contains `_`, not allowed in a host name")
            if label.startswith("-") or label.endswith("-"):
                raise AddressError(f"label `{label}` of `{domain}` starts or ends with a hyphen")
    import idna  # only for names that are not plain ASCII host names

    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError) as exc:
        raise AddressError(f"domain `{domain}` is not a valid IDNA2008 name ({exc})") from None
    for label in ascii_domain.split("."):
        if len(label) > 63:
            raise AddressError(f"a label of `{domain}` is {len(label)} octets long (max 63)")
        if not _LDH_LABEL.match(label):
            raise AddressError(f"domain `{domain}` has an invalid label `{label}`")
    if len(ascii_domain) > 253:
        raise AddressError(f"domain `{domain}` is {len(ascii_domain)} octets long (max 253)")
    return ascii_domain


def without_root(name: str) -> str:
    """A domain as people write it in configuration and on the command line, where the root's
    dot (`example.com.`, as dig and zone files write it) means `example.com`. Only one dot
    goes: `example.com..` stays invalid."""
    return name.strip().removesuffix(".")


def question_name(name: str) -> str:
    """`name` as a DNS question asks it and a snapshot records it: no trailing dot, ASCII
    letters in lower case (names are case-insensitive, RFC 4343), every non-ASCII label as its
    A-label. Unlike `normalize_domain`, no host-name rule: `_spf.example.com` is a name SPF
    and DKIM ask, and a name that is not one at all is left for the caller to judge."""
    name = name.rstrip(".")
    if name.isascii():
        return name.lower()
    import idna

    labels = []
    for label in name.split("."):
        if not label.isascii():
            try:
                label = idna.encode(label, uts46=True).decode("ascii")
            except (idna.IDNAError, UnicodeError) as exc:
                raise AddressError(f"`{name}` is not a valid IDNA2008 name ({exc})") from None
        labels.append(label.lower())
    return ".".join(labels)


def address_domain(domain: str) -> str:
    """The normalized domain of a mail address: a valid name of at least two labels (mail to
    a single label such as `news@brightwave` is not routable on the internet)."""
    ascii_domain = normalize_domain(domain)
    if "." not in ascii_domain:
        raise AddressError(f"domain `{domain}` is a single label, not a fully qualified domain")
    return ascii_domain


class UnresolvedAddress(AddressError):
    """The address is, or holds in its domain, a personalization variable: only known when
    the message is sent."""


# `Name <address>`, `"Name" <address>`: the whitespace before `<` belongs to the name (it
# was once matched by both the name and a `\s*`, which cost the square of a long value)
_NAME_ADDR = re.compile(r"(?:\"[^\"]*\"\s*|[^<>]*)<([^<>\s]+)>")


@functools.lru_cache(maxsize=4096)  # asked for the message and for the fix of each AC300
def bare_address(text: str) -> str | None:
    """The address of `Name <address>`, `"Name" <address>` or `<address>`, when it is a valid
    bare envelope: what AC300 suggests, and its fix writes."""
    found = _NAME_ADDR.fullmatch(text.strip())
    if found is None:
        return None
    try:
        parse_envelope(found.group(1))
    except AddressError:
        return None
    return found.group(1)


def parse_envelope(text: str) -> Mailbox:
    """A bare RFC 5321 mailbox (no display name, no brackets), as SMTPeter's `envelope`.

    Personalization variables are allowed in the local part; an envelope that is a variable,
    or holds one in its domain, cannot be judged (UnresolvedAddress).
    """
    if VARIABLE.fullmatch(text.strip()):
        raise UnresolvedAddress(f"the envelope `{text}` is a personalization variable")
    if not text:
        raise AddressError("the address is empty")
    if text != text.strip():
        raise AddressError("the address has leading or trailing white space")
    if "<" in text or ">" in text:
        inner = bare_address(text)
        bare = f" (write `{inner}`)" if inner else ""
        raise AddressError(f"display names and angle brackets are not allowed{bare}")
    local, domain = _split_mailbox(text)
    _check_local_part(local)
    if len(local.encode("utf-8")) > 64:
        raise AddressError(f"the local part is {len(local.encode('utf-8'))} octets (max 64)")
    if domain.startswith("["):
        raise AddressError(f"address literal `{domain}`: DMARC alignment needs a domain name")
    if VARIABLE.search(domain):
        raise UnresolvedAddress(f"the envelope domain `{domain}` holds a personalization variable")
    ascii_domain = address_domain(domain)
    total = len(local.encode("utf-8")) + 1 + len(ascii_domain)
    if total > 254:
        raise AddressError(f"the address is {total} octets long (max 254)")
    return Mailbox(local, ascii_domain)


def _split_mailbox(text: str) -> tuple[str, str]:
    if text.startswith('"'):
        end = _closing_quote(text)
        if end is None:
            raise AddressError("the quoted local part is not closed")
        local, rest = text[: end + 1], text[end + 1 :]
        if not rest.startswith("@"):
            raise AddressError("expected `@` after the quoted local part")
        return local, rest[1:]
    if " " in text or "\t" in text:
        raise AddressError("the address contains white space (is there a display name?)")
    if text.count("@") != 1:
        word = "no" if "@" not in text else "more than one"
        raise AddressError(f"the address has {word} `@`")
    local, _, domain = text.partition("@")
    if not local:
        raise AddressError("the local part is empty")
    return local, domain


def _closing_quote(text: str) -> int | None:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return None


def _check_local_part(local: str) -> None:
    if not local.isascii():
        raise AddressError(
            f"non-ASCII local part `{local}` needs SMTPUTF8, which SMTPeter's envelope "
            "does not promise"
        )
    if local.startswith('"'):
        body = local[1:-1]
        if re.search(r"(?<!\\)[\x00-\x1f\x7f]", body):
            raise AddressError("the quoted local part holds control characters")
        return
    plain = VARIABLE.sub("x", local)
    for atom in plain.split("."):
        if not atom:
            raise AddressError(f"local part `{local}` has an empty dot-separated part")
        if not _ATEXT.match(atom):
            raise AddressError(f"local part `{local}` holds characters that need quoting")


class AuthorIssue(enum.Enum):
    """Why a From value yields no usable author domain (rules/author.py names the rule)."""

    MULTIPLE = "multiple"  # several mailboxes or fields, or group syntax
    INVALID = "invalid"  # unparsable, no domain, a domain literal, an invalid domain
    UNRESOLVED = "unresolved"  # the domain holds a personalization variable


class AuthorProblem(Exception):
    """A From value yields no usable author domain: what kind of problem, and a message."""

    def __init__(self, kind: AuthorIssue, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


# The name ends with no space, so the spaces before `<` have one reading (a name that could
# also end with them made a long value cost the square of its length)
_SIMPLE_FROM = re.compile(
    r"^(?:(?P<name>[A-Za-z0-9](?:[A-Za-z0-9 .'_-]*[A-Za-z0-9.'_-])?)\s*<(?P<bracketed>[^<>]*)>"
    r"|(?P<bare>[^<>]*))$"
)
_SIMPLE_ADDRESS = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@(?P<domain>[A-Za-z0-9.-]+)$"
)


def parse_from(value: str) -> Mailbox:
    """The single author mailbox of an RFC 5322 From value (header field body).

    Raises AuthorProblem: several mailboxes or a group (MULTIPLE), unusable (INVALID), or a
    domain holding a personalization variable (UNRESOLVED).
    """
    result = _parse_from_cached(value)
    if isinstance(result, tuple):
        raise AuthorProblem(*result)
    return result


@functools.lru_cache(maxsize=16384)
def _parse_from_cached(value: str) -> Mailbox | tuple[AuthorIssue, str]:
    """The mailbox, or (kind, message): plain values, so the cache holds no exceptions."""
    written = _written_address(value).strip()
    if VARIABLE.fullmatch(written):  # `{$from}`, `Shop <{$email}>`: filled in at send time
        message = f"the author address `{written}` is a personalization variable: not checked"
        return AuthorIssue.UNRESOLVED, message
    simple = _simple_from(value)
    if simple is not None:
        return simple
    try:
        return _parse_from(value)
    except AuthorProblem as problem:
        return problem.kind, problem.message


def _simple_from(value: str) -> Mailbox | None:
    """The common plain forms (`a@x.com`, `Name <a@x.com>`) without the stdlib parser; None
    for anything else, which the full parser judges."""
    if "=?" in value:  # encoded-words: the full parser decides
        return None
    match = _SIMPLE_FROM.match(value.strip())
    if match is None:
        return None
    address = _SIMPLE_ADDRESS.match((match.group("bracketed") or match.group("bare") or "").strip())
    if address is None or address.group("domain").endswith("."):
        return None
    try:
        return Mailbox(address.group("local"), address_domain(address.group("domain")))
    except AddressError:
        return None


# The longest From the standard library's parser is given: it costs the square of a long
# quoted name (a megabyte took minutes), and no mail system takes a From near this long
MAX_PARSED_FROM = 4096


def _parse_from(value: str) -> Mailbox:
    from email import errors as email_errors
    from email import policy

    if len(value) > MAX_PARSED_FROM:
        raise AuthorProblem(
            AuthorIssue.INVALID,
            f"From is {len(value):,} characters long: no mail system takes one that long "
            f"(aligncheck reads up to {MAX_PARSED_FROM:,})",
        )
    try:
        header = policy.default.header_factory("From", value)
        groups = header.groups
        defects = header.defects
    except Exception as exc:  # the stdlib parser has crashed on odd input before
        raise AuthorProblem(
            AuthorIssue.INVALID, f"From `{value}` cannot be parsed ({exc})"
        ) from None
    if any(group.display_name is not None for group in groups):
        raise AuthorProblem(
            AuthorIssue.MULTIPLE, f"From `{value}` uses group syntax: no single author domain"
        )
    addresses = [address for group in groups for address in group.addresses]
    if len(addresses) > 1:
        raise AuthorProblem(
            AuthorIssue.MULTIPLE,
            f"From holds {len(addresses)} mailboxes: DMARC needs exactly one author",
        )
    written = _written_address(value)
    if _ENCODED_WORD.search(written):
        raise AuthorProblem(
            AuthorIssue.INVALID, f"encoded-word inside the address `{written}` (RFC 2047 §5)"
        )
    if not addresses:
        raise AuthorProblem(AuthorIssue.INVALID, "From holds no address")
    address = addresses[0]
    domain: str = address.domain
    if written.endswith("."):
        raise AuthorProblem(AuthorIssue.INVALID, f"domain of `{written}` ends with a dot")
    if any(isinstance(d, email_errors.InvalidHeaderDefect) for d in defects) or not domain:
        reason = "no domain" if "@" not in written else "invalid address syntax"
        raise AuthorProblem(AuthorIssue.INVALID, f"From `{value}` cannot be used: {reason}")
    if domain.startswith("["):
        raise AuthorProblem(
            AuthorIssue.INVALID, f"domain literal `{domain}`: DMARC needs a domain name"
        )
    if VARIABLE.search(domain):
        raise AuthorProblem(
            AuthorIssue.UNRESOLVED,
            f"author domain `{domain}` holds a personalization variable: not checked",
        )
    try:
        return Mailbox(address.username, address_domain(domain))
    except AddressError as exc:
        raise AuthorProblem(AuthorIssue.INVALID, str(exc)) from None


def _written_address(value: str) -> str:
    """The address part of a From value as written: inside <>, else the whole value."""
    found = _ANGLE_ADDR.findall(value)
    return (found[-1] if found else value).strip()
