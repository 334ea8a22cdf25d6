"""DMARC record parsing (RFC 9989 §4.7 to §4.8), saying how receivers will read a flawed record.

Pure: text in, `Record` out. Which tags a receiver honours depends on the model, so the
reading of `p`/`sp`/`np` and `t` is done by `Record.policy(model)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_Validator = Callable[[str], tuple[str, str | None]]

_DMARC = re.compile(r"^[vV][ \t]*=[ \t]*DMARC1[ \t]*(;|$)")
_LOOKS_LIKE = re.compile(r"^[ \t]*[vV][ \t]*=")
_TAG = re.compile(r"^[A-Za-z]+$")
_VALUE_CHARS = re.compile(r"^[\x20-\x3a\x3c-\x7e]*$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s,!]+$")
_SIZE = re.compile(r"^\d+[kmgtKMGT]?$")
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+$", re.IGNORECASE)

POLICIES = ("none", "quarantine", "reject")
HISTORIC = ("pct", "rf", "ri")


def is_dmarc(text: str) -> bool:
    """A TXT string is a DMARC record iff it matches `v` WSP* `=` WSP* `DMARC1` WSP* (`;`|end)."""
    return _DMARC.match(text) is not None


def is_near_miss(text: str) -> bool:
    """Begins like a `v=` tag but is not a DMARC record: receivers ignore it (AC503)."""
    return not is_dmarc(text) and _LOOKS_LIKE.match(text) is not None


@dataclass(frozen=True)
class Policy:
    """How one model's receivers read a record: the policies and modes in force."""

    p: str
    sp: str
    np: str
    aspf: str
    adkim: str
    psd: str
    testing: bool
    read_as_none: bool  # the record's p/sp/np were unusable, but a valid rua saved it

    def demoted(self, policy: str) -> str:
        """`t=y` lowers the policy one level (RFC 9989)."""
        if not self.testing:
            return policy
        return {"reject": "quarantine", "quarantine": "none"}.get(policy, policy)


@dataclass(frozen=True)
class Record:
    text: str
    tags: dict[str, str]  # valid values, lower-cased where the tag's values are keywords
    invalid: frozenset[str]  # known tags with an invalid value (duplicates included)
    problems: tuple[str, ...]  # outside the grammar, for AC501
    rua_valid: bool
    present: frozenset[str] = field(default_factory=frozenset)  # every tag name written

    def policy(self, model: str) -> Policy | None:
        """The policy a receiver of `model` ("rfc7489" or "rfc9989") reads, or None when it
        applies no DMARC policy from this record (RFC 9989 §4.10.1, RFC 7489 §6.6.3)."""
        rfc9989 = model == "rfc9989"
        decisive = ("p", "sp", "np") if rfc9989 else ("p", "sp")
        aspf = self.tags.get("aspf", "r")
        adkim = self.tags.get("adkim", "r")
        psd = self.tags.get("psd", "u") if rfc9989 else "u"
        testing = rfc9989 and self.tags.get("t", "n") == "y"
        if "p" not in self.tags or any(tag in self.invalid for tag in decisive):
            if not self.rua_valid:
                return None
            return Policy("none", "none", "none", aspf, adkim, psd, testing, read_as_none=True)
        p = self.tags["p"]
        sp = self.tags.get("sp", p)
        np = self.tags.get("np", sp) if rfc9989 else sp
        return Policy(p, sp, np, aspf, adkim, psd, testing, read_as_none=False)

    def reading(self, model: str) -> str:
        """How receivers of `model` read this record, in words (for AC501)."""
        policy = self.policy(model)
        if policy is None:
            return "no DMARC policy (no valid `p` and no valid `rua` URI)"
        if policy.read_as_none:
            return "`p=none` (a valid `rua` URI keeps the record)"
        return "the valid tags, with defaults for the invalid ones"

    @property
    def historic(self) -> tuple[str, ...]:
        return tuple(tag for tag in HISTORIC if tag in self.present)


def parse(text: str) -> Record:
    """Parse a DMARC record (the caller has checked `is_dmarc(text)`)."""
    problems: list[str] = []
    tags: dict[str, str] = {}
    invalid: set[str] = set()
    present: set[str] = set()
    seen: set[str] = set()
    rua_valid = False
    _, _, rest = text.partition(";")
    terms = rest.split(";") if rest else []
    if terms and not terms[-1].strip(" \t"):
        terms.pop()  # one trailing separator is allowed
    for term in terms:
        term = term.strip(" \t")
        if not term:
            problems.append("empty term (`;;`)")
            continue
        name, equals, value = term.partition("=")
        name, value = name.strip(" \t"), value.strip(" \t")
        if not equals:
            problems.append(f"term `{term}` has no `=`")
            continue
        if not _TAG.match(name):
            problems.append(f"tag name `{name}` is not letters")
            continue
        tag = name.lower()
        if tag == "v":
            problems.append("tag `v` is given twice")
            continue
        bad_value = (
            "an empty value"
            if not value
            else "characters outside printable ASCII"
            if not _VALUE_CHARS.match(value)
            else None
        )
        if bad_value is not None:
            problems.append(f"tag `{tag}` has {bad_value}")
            if tag in _VALIDATORS:
                invalid.add(tag)
            continue
        present.add(tag)
        validator = _VALIDATORS.get(tag)
        if validator is None:
            continue  # unknown tags are ignored, even repeated
        if tag in seen:
            problems.append(f"tag `{tag}` is given twice")
            invalid.add(tag)
            tags.pop(tag, None)
            continue
        seen.add(tag)
        normalized, error = validator(value)
        if tag in ("rua", "ruf") and normalized:
            # Receivers use the valid URIs of a list; one valid rua URI keeps a record alive.
            tags[tag] = normalized
            rua_valid = rua_valid or tag == "rua"
        if error is not None:
            problems.append(f"invalid `{tag}={value}` ({error})")
            invalid.add(tag)
            continue
        tags[tag] = normalized
    return Record(text, tags, frozenset(invalid), tuple(problems), rua_valid, frozenset(present))


def _keyword(*allowed: str) -> _Validator:
    def validate(value: str) -> tuple[str, str | None]:
        lowered = value.lower()
        if lowered in allowed:
            return lowered, None
        return value, "use " + " or ".join(allowed)

    return validate


def _fo(value: str) -> tuple[str, str | None]:
    options = [option.strip(" \t").lower() for option in value.split(":")]
    if any(option not in ("0", "1", "d", "s") for option in options):
        return value, "options are 0, 1, d and s, separated by colons"
    if len(set(options)) != len(options):
        return value, "an option is repeated"
    if "0" in options and "1" in options:
        return value, "0 and 1 exclude each other"
    return ":".join(options), None


def _pct(value: str) -> tuple[str, str | None]:
    if not value.isdigit() or len(value) > 3 or int(value) > 100:
        return value, "an integer from 0 to 100"
    return str(int(value)), None


def _ri(value: str) -> tuple[str, str | None]:
    if not value.isdigit() or int(value) >= 2**32:
        return value, "a 32-bit unsigned number of seconds"
    return value, None


def _rf(value: str) -> tuple[str, str | None]:
    if not re.fullmatch(r"[A-Za-z0-9]+(?:[ \t]*:[ \t]*[A-Za-z0-9]+)*", value):
        return value, "a colon-separated list of report formats such as afrf"
    return value.lower(), None


def _uris(value: str) -> tuple[str, str | None]:
    """The valid URIs, comma-joined, and an error naming the first invalid one."""
    uris = [uri.strip(" \t") for uri in value.split(",")]
    valid = ",".join(uri for uri in uris if valid_uri(uri))
    bad = [uri for uri in uris if not valid_uri(uri)]
    return valid, (f"`{bad[0]}` is not a valid URI" if bad else None)


def valid_uri(text: str) -> bool:
    """An RFC 3986 absolute URI with an optional obsolete `!size`; mailto: needs an address."""
    uri, bang, size = text.partition("!")
    if bang and not _SIZE.match(size):
        return False
    if not _URI.match(uri):
        return False
    return not uri.lower().startswith("mailto:") or _MAILTO.match(uri) is not None


_VALIDATORS: dict[str, _Validator] = {
    "p": _keyword(*POLICIES),
    "sp": _keyword(*POLICIES),
    "np": _keyword(*POLICIES),
    "adkim": _keyword("r", "s"),
    "aspf": _keyword("r", "s"),
    "psd": _keyword("y", "n", "u"),
    "t": _keyword("y", "n"),
    "fo": _fo,
    "pct": _pct,
    "rf": _rf,
    "ri": _ri,
    "rua": _uris,
    "ruf": _uris,
}
