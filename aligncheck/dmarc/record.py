"""DMARC record parsing (RFC 9989 §4.7 to §4.8), saying how receivers will read a flawed record.

Pure: text in, `Record` out. Which tags a receiver honours depends on the model, so the
reading of `p`/`sp`/`np` and `t` is done by `Record.policy(model)`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

_Validator = Callable[[str], tuple[str, str | None]]

_DMARC = re.compile(r"^[vV][ \t]*=[ \t]*DMARC1[ \t]*(;|$)")
_LOOKS_LIKE = re.compile(r"^[ \t]*[vV][ \t]*=")
_TAG = re.compile(r"^[A-Za-z]+$")
_VALUE_CHARS = re.compile(r"^[\x20-\x3a\x3c-\x7e]*$")
# RFC 3986 absolute URI: a scheme, then unreserved, reserved (less `,` and `!`, which RFC 9989
# §4.7 wants %-encoded) and %HH characters only: no spaces, `<`, `>`, quotes or braces.
_URI = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@$&'()*+;=]|%[0-9A-Fa-f]{2})+$"
)
_SIZE = re.compile(r"^\d+[kmgtKMGT]?$")

POLICIES = ("none", "quarantine", "reject")
HISTORIC = ("pct", "rf", "ri")
REPORT_FORMATS = ("afrf",)  # the IANA "DMARC Report Formats" registry


def is_dmarc(text: str) -> bool:
    """A TXT string is a DMARC record iff it matches `v` WSP* `=` WSP* `DMARC1` WSP* (`;`|end)."""
    return _DMARC.match(text) is not None


def is_near_miss(text: str) -> bool:
    """Looks like DMARC but is not a DMARC record, so receivers ignore it (AC503): it begins
    like a `v=` tag, or it holds `DMARC1` elsewhere (wrapped in quotes, pasted resolver
    output, `=DMARC1; p=reject`)."""
    if is_dmarc(text):
        return False
    return _LOOKS_LIKE.match(text) is not None or "dmarc1" in text.lower()


_VERSION = re.compile(r"^[vV][ \t]*=[ \t]*([^; \t]*)")


def near_miss_reason(text: str) -> str:
    """Why receivers ignore a near miss, in words."""
    stripped = text.lstrip(" \t")
    if stripped != text and is_dmarc(stripped):
        return "white space stands before `v=DMARC1`"
    if stripped.startswith(('"', "'")):
        return "the record is wrapped in literal quotes, which become part of the text"
    if stripped.startswith("_dmarc") or " text = " in stripped or "\ttext = " in stripped:
        return "it is pasted resolver output, not the record itself"
    version = _VERSION.match(stripped)
    if version is None:
        if stripped.startswith("="):
            return "the tag name `v` is missing before `=DMARC1`"
        return "the record must begin with `v=DMARC1`"
    value = version.group(1)
    if value.lower() == "spf1":
        return "it is an SPF record (`v=spf1`), not DMARC"
    if value.upper() == "DMARC1":
        return f"`{value}` must be written `DMARC1`, in upper case"
    return f"the version is `{value}`, and receivers accept only `DMARC1`"


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
    unknown: tuple[str, ...] = ()  # tag names receivers do not know (ignored)

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

    def misspellings(self) -> list[tuple[str, str]]:
        """(unknown tag, the known tag it is one edit or one swap away from)."""
        found = []
        for tag in self.unknown:
            meant = next((k for k in _MISSPELLABLE if _one_edit(tag.lower(), k)), None)
            if meant is not None and meant not in self.present:
                found.append((tag, meant))
        return found


def _one_edit(written: str, known: str) -> bool:
    """One insertion, deletion, substitution, or one swap of neighbours apart."""
    if written == known or abs(len(written) - len(known)) > 1:
        return False
    if len(written) == len(known):
        diffs = [i for i, (a, b) in enumerate(zip(written, known, strict=True)) if a != b]
        if len(diffs) == 1:
            return True
        i = diffs[0]
        return diffs == [i, i + 1] and written[i] == known[i + 1] and written[i + 1] == known[i]
    shorter, longer = sorted((written, known), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


@functools.lru_cache(maxsize=8192)  # the same record is read by every round and rule
def parse(text: str) -> Record:
    """Parse a DMARC record (the caller has checked `is_dmarc(text)`)."""
    problems: list[str] = []
    tags: dict[str, str] = {}
    invalid: set[str] = set()
    present: set[str] = set()
    unknown: list[str] = []
    seen: set[str] = set()
    duplicated: set[str] = set()
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
        present.add(tag)
        if bad_value is not None:
            problems.append(f"tag `{tag}` has {bad_value}")
            if tag in _VALIDATORS:
                invalid.add(tag)
            continue
        validator = _VALIDATORS.get(tag)
        if validator is None:
            if name not in unknown:
                unknown.append(name)
            continue  # unknown tags are ignored, even repeated
        if tag in seen:
            problems.append(f"tag `{tag}` is given twice")
            invalid.add(tag)
            duplicated.add(tag)
            tags.pop(tag, None)
            continue
        seen.add(tag)
        normalized, error = validator(value)
        if tag in ("rua", "ruf") and normalized:
            # Receivers use the valid URIs of a list; one valid rua URI keeps a record alive.
            tags[tag] = normalized
        if error is not None:
            problems.append(f"invalid `{tag}={value}` ({error})")
            invalid.add(tag)
            continue
        tags[tag] = normalized
    if "p" not in present:
        problems.append("tag `p` is missing")
    # A duplicated rua is invalid as a whole: none of its URIs count.
    rua_valid = bool(tags.get("rua")) and "rua" not in duplicated
    return Record(
        text,
        tags,
        frozenset(invalid),
        tuple(problems),
        rua_valid,
        frozenset(present),
        tuple(unknown),
    )


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
    formats = [item.strip(" \t").lower() for item in value.split(":")]
    if any(item not in REPORT_FORMATS for item in formats):
        return value, "a colon-separated list of registered report formats: afrf"
    return ":".join(formats), None


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
    return not uri.lower().startswith("mailto:") or _mailto_address(uri[7:])


def _mailto_address(rest: str) -> bool:
    """A mailto: URI holds, after percent-decoding, exactly one RFC 5322 addr-spec."""
    from urllib.parse import unquote

    from aligncheck.addresses import AddressError, parse_envelope

    address = unquote(rest.partition("?")[0])
    try:
        parse_envelope(address)
    except AddressError:
        return False
    return True


_VALIDATORS: dict[str, _Validator] = {  # every tag receivers know
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

_MISSPELLABLE = tuple(tag for tag in _VALIDATORS if len(tag) >= 3)
