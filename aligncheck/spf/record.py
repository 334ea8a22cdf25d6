"""SPF records (RFC 7208 §4.5, §5, §6, §12): which TXT strings are SPF records, and their terms.

Pure: text in, `SpfRecord` out, or `SpfSyntaxError` quoting the term that is outside the
grammar (a receiver's `permerror`).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass

from aligncheck.spf.macro import MacroError, parse_macro_string

QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
LOOKUP_TERMS = ("include", "a", "mx", "ptr", "exists", "redirect")  # count toward the 10

_VERSION = re.compile(r"^v=spf1(?: |$)", re.IGNORECASE)
_LOOKS_LIKE = re.compile(r"^\s*v\s*=\s*spf", re.IGNORECASE)
_MODIFIER = re.compile(r"^([A-Za-z][A-Za-z0-9_.\-]*)=(.*)$", re.DOTALL)
_MECHANISM = re.compile(r"^([+\-~?]?)([A-Za-z][A-Za-z0-9_.\-]*)(.*)$", re.DOTALL)
_DUAL_CIDR = re.compile(r"^(.*?)(?:/(0|[1-9][0-9]*))?(?://(0|[1-9][0-9]*))?$", re.DOTALL)
_TOPLABEL = re.compile(
    r"^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])$"
)


class SpfSyntaxError(ValueError):
    """A record outside the RFC 7208 grammar: receivers return permerror."""

    def __init__(self, term: str, reason: str) -> None:
        super().__init__(f"`{term}`: {reason}")
        self.term = term
        self.reason = reason


def is_spf(text: str) -> bool:
    """Record selection (§4.5): the version section is exactly `v=spf1`, ended by a space
    or the end of the record (any case, as receivers compare it)."""
    return _VERSION.match(text) is not None


def near_miss(text: str) -> bool:
    """Starts like an SPF record but is none (`v=spf10`, `v=spf1include:…`, ` v=spf1`)."""
    return not is_spf(text) and _LOOKS_LIKE.match(text) is not None


@dataclass(frozen=True)
class Mechanism:
    qualifier: str  # "+", "-", "~" or "?"
    name: str  # lower case: all include a mx ptr ip4 ip6 exists
    target: str | None  # the domain-spec as written (macros unexpanded)
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None  # ip4 / ip6
    cidr4: int
    cidr6: int
    text: str  # as written

    @property
    def result(self) -> str:
        return QUALIFIERS[self.qualifier]

    @property
    def queries_dns(self) -> bool:
        return self.name in LOOKUP_TERMS


@dataclass(frozen=True)
class Modifier:
    name: str  # lower case
    value: str
    text: str


@dataclass(frozen=True)
class SpfRecord:
    text: str
    terms: tuple[Mechanism | Modifier, ...]

    @property
    def mechanisms(self) -> tuple[Mechanism, ...]:
        return tuple(t for t in self.terms if isinstance(t, Mechanism))

    def modifier(self, name: str) -> Modifier | None:
        return next((t for t in self.terms if isinstance(t, Modifier) and t.name == name), None)

    @property
    def redirect(self) -> Modifier | None:
        return self.modifier("redirect")

    @property
    def exp(self) -> Modifier | None:
        return self.modifier("exp")

    @property
    def has_all(self) -> bool:
        return any(m.name == "all" for m in self.mechanisms)


@functools.lru_cache(maxsize=8192)  # the same record is read by every round and rule
def parse(text: str) -> SpfRecord:
    """The terms of a selected SPF record; SpfSyntaxError for anything outside the grammar."""
    rest = text[6:]
    terms: list[Mechanism | Modifier] = []
    seen: set[str] = set()
    for word in rest.split(" "):
        if not word:
            continue  # 1*SP between terms, trailing spaces
        term = _term(word)
        if isinstance(term, Modifier) and term.name in ("redirect", "exp"):
            if term.name in seen:
                raise SpfSyntaxError(word, f"`{term.name}` may appear only once")
            seen.add(term.name)
        terms.append(term)
    return SpfRecord(text, tuple(terms))


def _term(word: str) -> Mechanism | Modifier:
    modifier = _MODIFIER.match(word)
    if modifier is not None:
        name, value = modifier.group(1).lower(), modifier.group(2)
        try:
            if name in ("redirect", "exp"):
                _domain_spec(value)
            else:
                parse_macro_string(value)
        except MacroError as exc:
            raise SpfSyntaxError(word, str(exc)) from None
        return Modifier(name, value, word)
    mechanism = _MECHANISM.match(word)
    if mechanism is None:
        raise SpfSyntaxError(word, "not a mechanism or modifier")
    qualifier = mechanism.group(1) or "+"
    name, rest = mechanism.group(2).lower(), mechanism.group(3)
    if name not in MECHANISMS:
        raise SpfSyntaxError(word, f"unknown mechanism `{mechanism.group(2)}`")
    try:
        return _mechanism(qualifier, name, rest, word)
    except (MacroError, ValueError) as exc:
        if isinstance(exc, SpfSyntaxError):
            raise
        raise SpfSyntaxError(word, str(exc)) from None


def _mechanism(qualifier: str, name: str, rest: str, word: str) -> Mechanism:
    if name == "all":
        if rest:
            raise SpfSyntaxError(word, "`all` takes no argument")
        return Mechanism(qualifier, name, None, None, 32, 128, word)
    if name in ("include", "exists"):
        if not rest.startswith(":") or len(rest) == 1:
            raise SpfSyntaxError(word, f"`{name}` needs `:domain`")
        _domain_spec(rest[1:])
        return Mechanism(qualifier, name, rest[1:], None, 32, 128, word)
    if name == "ptr":
        target = None
        if rest:
            if not rest.startswith(":") or len(rest) == 1:
                raise SpfSyntaxError(word, "`ptr` takes `:domain` or nothing")
            target = rest[1:]
            _domain_spec(target)
        return Mechanism(qualifier, name, target, None, 32, 128, word)
    if name in ("ip4", "ip6"):
        return _ip(qualifier, name, rest, word)
    # a and mx: [":" domain-spec] [dual-cidr-length]
    split = _DUAL_CIDR.match(rest)
    assert split is not None
    spec, cidr4, cidr6 = split.group(1), split.group(2), split.group(3)
    target = None
    if spec:
        if not spec.startswith(":") or len(spec) == 1:
            raise SpfSyntaxError(word, f"`{name}` takes `:domain`, `/cidr` or nothing")
        target = spec[1:]
        _domain_spec(target)
    length4 = _length(cidr4, 32, word)
    length6 = _length(cidr6, 128, word)
    return Mechanism(qualifier, name, target, None, length4, length6, word)


def _length(text: str | None, most: int, word: str) -> int:
    if text is None:
        return most
    value = int(text)
    if value > most:
        raise SpfSyntaxError(word, f"CIDR length /{value} is over {most}")
    return value


def _ip(qualifier: str, name: str, rest: str, word: str) -> Mechanism:
    if not rest.startswith(":"):
        raise SpfSyntaxError(word, f"`{name}` needs `:address`")
    address, _, length = rest[1:].partition("/")
    most = 32 if name == "ip4" else 128
    if length and not re.fullmatch(r"0|[1-9][0-9]*", length):
        raise SpfSyntaxError(word, f"bad CIDR length `/{length}`")
    try:
        ip = ipaddress.IPv4Address(address) if name == "ip4" else ipaddress.IPv6Address(address)
    except ValueError:
        raise SpfSyntaxError(word, f"`{address}` is not an IPv{name[-1]} address") from None
    prefix = _length(length or None, most, word)
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    return Mechanism(qualifier, name, None, network, prefix, prefix, word)


def _domain_spec(spec: str) -> None:
    """domain-spec = macro-string domain-end (§7.1); raises MacroError."""
    parts = parse_macro_string(spec)
    if parts and not isinstance(parts[-1], str):
        return  # ends with a macro-expand
    literal = spec.rstrip(".") if spec.endswith(".") and not spec.endswith("..") else spec
    last = literal.rsplit(".", 1)
    if len(last) != 2 or not _TOPLABEL.match(last[1]):
        raise MacroError(f"`{spec}` does not end with a valid top-level label")
