"""AC4xx: delivery status notification settings (RFC 3461, SMTPeter's `dsn` property)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from aligncheck.addresses import AddressError, UnresolvedAddress, normalize_domain, parse_envelope
from aligncheck.findings import Fix, Problem, Severity
from aligncheck.nodes import Map, Scalar
from aligncheck.rules.base import Rule
from aligncheck.rules.input import recipient_addresses
from aligncheck.send import Send
from aligncheck.settings import Settings

_ENV = "from: info@example.com\nenvelope: bounces@example.com\n"

RULES = [
    Rule(
        "AC400",
        "dsn-notify-invalid",
        Severity.ERROR,
        "`notify` is not NEVER or a comma list of SUCCESS, FAILURE, DELAY.",
        "RFC 3461 §4.1: NEVER must stand alone; the other keywords may be combined with "
        "commas. Unknown keywords and empty items make the MTA refuse the RCPT command.",
        failing=_ENV + "dsn:\n  notify: NEVER,FAILURE\n",
        passing=_ENV + "dsn:\n  notify: FAILURE,DELAY\n",
    ),
    Rule(
        "AC401",
        "dsn-ret-invalid",
        Severity.ERROR,
        "`ret` is not FULL or HDRS.",
        "RFC 3461 §4.3 knows two values: FULL (the whole message) and HDRS (headers only).",
        failing=_ENV + "dsn:\n  ret: HEADERS\n",
        passing=_ENV + "dsn:\n  ret: HDRS\n",
    ),
    Rule(
        "AC402",
        "dsn-without-envelope",
        Severity.WARNING,
        "`dsn` without `envelope`: no DSN can reach you.",
        "Without your own envelope address SMTPeter keeps the bounces, and RFC 3461 §5.2 "
        "forbids DSNs for a null reverse-path: the `dsn` settings are dead configuration.",
        failing="from: info@example.com\ndsn:\n  notify: FAILURE\n",
        passing=_ENV + "dsn:\n  notify: FAILURE\n",
    ),
    Rule(
        "AC403",
        "dsn-non-canonical",
        Severity.WARNING,
        "A valid `notify` or `ret` value written in a non-canonical form.",
        "Lower case, spaces around commas or repeated keywords are accepted by some MTAs and "
        "refused by others (RFC 5321 §4.1.2 forbids spaces in an esmtp-value). The message "
        "gives the canonical value.",
        failing=_ENV + "dsn:\n  notify: failure, delay\n",
        passing=_ENV + "dsn:\n  notify: FAILURE,DELAY\n",
        fix="writes the canonical value (`FAILURE,DELAY`, `HDRS`) in the value's own quoting.",
    ),
    Rule(
        "AC404",
        "dsn-success-flood",
        Severity.INFO,
        "`notify` includes SUCCESS: one DSN per delivered recipient.",
        "Every successful delivery sends a DSN to the envelope mailbox; for a campaign that is "
        "one message per recipient.",
        failing=_ENV + "dsn:\n  notify: SUCCESS,FAILURE\n",
        passing=_ENV + "dsn:\n  notify: FAILURE\n",
    ),
    Rule(
        "AC405",
        "dsn-envid-invalid",
        Severity.ERROR,
        "`envid` is over 100 characters or holds a character outside %x21-7E.",
        "RFC 3461 §4.4: the ENVID is up to 100 characters of printable US-ASCII without the "
        "space (%x21-7E); `+` and `=` are best avoided, as xtext encodes them.",
        failing=_ENV + "dsn:\n  envid: " + "x" * 101 + "\n",
        passing=_ENV + "dsn:\n  envid: campaign-2026-11\n",
    ),
    Rule(
        "AC406",
        "dsn-orcpt-mismatch",
        Severity.WARNING,
        "`orcpt` differs from the recipient.",
        "RFC 3461 §4.2: when first submitted, the ORCPT must hold the same address as RCPT TO "
        "(bare or in `rfc822;` form).",
        failing=_ENV + "recipient: jane@example.org\ndsn:\n  orcpt: rfc822;john@example.org\n",
        passing=_ENV + "recipient: jane@example.org\ndsn:\n  orcpt: rfc822;jane@example.org\n",
    ),
    Rule(
        "AC408",
        "dsn-orcpt-invalid",
        Severity.ERROR,
        "`orcpt` has an unknown address type, no address, or an address that does not parse.",
        "RFC 3461 §4.2: ORCPT is `addr-type;address`; for mail the type is `rfc822` (or "
        "`utf-8`, RFC 6533) and the address a mailbox. SMTPeter also accepts a bare address. "
        "An unknown type or an empty or broken address makes the receiving server reject the "
        "RCPT command or drop the parameter.",
        failing=_ENV + "recipient: jane@example.org\ndsn:\n  orcpt: x400;jane@example.org\n",
        passing=_ENV + "recipient: jane@example.org\ndsn:\n  orcpt: jane@example.org\n",
    ),
    Rule(
        "AC407",
        "dsn-ret-full",
        Severity.INFO,
        "`ret: FULL` returns whole messages in failure DSNs.",
        "Failure DSNs then carry the full message, attachments and personal data included, "
        "to the envelope mailbox.",
        failing=_ENV + "dsn:\n  ret: FULL\n",
        passing=_ENV + "dsn:\n  ret: HDRS\n",
    ),
]

NOTIFY_KEYWORDS = ("SUCCESS", "FAILURE", "DELAY")
RET_VALUES = ("FULL", "HDRS")


@dataclass(frozen=True)
class Notify:
    """A parsed `notify` value: an error, or the keywords and their canonical spelling."""

    error: str | None
    keywords: tuple[str, ...] = ()
    canonical: str = ""
    flaws: tuple[str, ...] = ()


def parse_notify(value: str) -> Notify:
    items = value.split(",")
    stripped = [item.strip() for item in items]
    if any(not item for item in stripped):
        return Notify("empty item in the comma list")
    upper = [item.upper() for item in stripped]
    for item, keyword in zip(stripped, upper, strict=True):
        if keyword != "NEVER" and keyword not in NOTIFY_KEYWORDS:
            return Notify(f"unknown keyword `{item}`")
    keywords = tuple(dict.fromkeys(upper))
    if "NEVER" in keywords and len(upper) > 1:
        return Notify("NEVER must stand alone")
    flaws = []
    if upper != stripped:
        flaws.append("lower case")
    if stripped != items:
        flaws.append("spaces")
    if len(keywords) != len(upper):
        flaws.append("repeated keywords")
    return Notify(None, keywords, ",".join(keywords), tuple(flaws))


def check(send: Send, settings: Settings) -> Iterator[Problem]:
    entry = send.properties.get("dsn")
    if entry is None:
        return
    if "envelope" not in send.properties:
        why = (
            "MAIL FROM:<> gets no DSN at all (RFC 3461 §5.2)"
            if send.tracking is False
            else "SMTPeter keeps the bounces, so no DSN reaches you"
        )
        yield Problem("AC402", entry.key_pos, f"`dsn` without `envelope`: {why}")
    dsn = entry.value
    if not isinstance(dsn, Map):
        return
    notify = dsn.get("notify")
    if isinstance(notify, Scalar) and isinstance(notify.value, str):
        yield from _notify(notify)
    ret = dsn.get("ret")
    if isinstance(ret, Scalar) and isinstance(ret.value, str):
        yield from _ret(ret)
    envid = dsn.get("envid")
    if isinstance(envid, Scalar) and isinstance(envid.value, str):
        yield from _envid(envid)
    orcpt = dsn.get("orcpt")
    if isinstance(orcpt, Scalar) and isinstance(orcpt.value, str):
        yield from _orcpt(orcpt, recipient_addresses(send))


def _notify(node: Scalar) -> Iterator[Problem]:
    assert isinstance(node.value, str)
    parsed = parse_notify(node.value)
    if parsed.error is not None:
        said = (
            f"notify `{node.value}` is invalid ({parsed.error})"
            if node.value.strip()
            else "notify is empty"
        )
        yield Problem(
            "AC400", node.pos, f"{said}: use NEVER, or a comma list of SUCCESS, FAILURE, DELAY"
        )
        return
    if parsed.flaws:
        yield Problem(
            "AC403",
            node.pos,
            f"notify `{node.value}` is not canonical ({', '.join(parsed.flaws)}): "
            f"write `{parsed.canonical}`",
            fix=Fix(node.value, parsed.canonical),
        )
    if "SUCCESS" in parsed.keywords:
        yield Problem(
            "AC404",
            node.pos,
            "notify includes SUCCESS: every delivered recipient sends a DSN to the envelope",
        )


def _ret(node: Scalar) -> Iterator[Problem]:
    assert isinstance(node.value, str)
    value = node.value.strip().upper()
    if value not in RET_VALUES:
        said = f"ret `{node.value}` is invalid" if value else "ret is empty"
        yield Problem("AC401", node.pos, f"{said}: use FULL or HDRS")
        return
    if value != node.value:
        yield Problem(
            "AC403",
            node.pos,
            f"ret `{node.value}` is not canonical: write `{value}`",
            fix=Fix(node.value, value),
        )
    if value == "FULL":
        yield Problem(
            "AC407",
            node.pos,
            "ret FULL: failure DSNs return whole messages, attachments and personal data "
            "included (HDRS returns headers only)",
        )


def _envid(node: Scalar) -> Iterator[Problem]:
    assert isinstance(node.value, str)
    value = node.value
    if len(value) > 100:
        yield Problem("AC405", node.pos, f"envid is {len(value)} characters long (max 100)")
    elif any(not "!" <= char <= "~" for char in value):
        bad = next(char for char in value if not "!" <= char <= "~")
        yield Problem(
            "AC405",
            node.pos,
            f"envid holds {bad!r}, outside %x21-7E (printable US-ASCII without the space)",
        )


ORCPT_TYPES = ("rfc822", "utf-8")


def _orcpt(node: Scalar, recipients: list[str]) -> Iterator[Problem]:
    assert isinstance(node.value, str)
    address = node.value.strip()
    addr_type, sep, rest = address.partition(";")
    if sep:
        if addr_type.strip().lower() not in ORCPT_TYPES:
            yield Problem(
                "AC408",
                node.pos,
                f"orcpt `{node.value}` has the address type `{addr_type.strip()}`: use rfc822 "
                "(or utf-8), or a bare address",
            )
            return
        address = rest.strip()
        if not address:
            yield Problem("AC408", node.pos, f"orcpt `{node.value}` holds no address")
            return
    problem = _orcpt_address_problem(address)
    if problem is not None:
        yield Problem("AC408", node.pos, f"orcpt `{node.value}` is invalid: {problem}")
        return
    mismatched = [r for r in recipients if not same_address(address, r)]
    if mismatched:
        yield Problem(
            "AC406",
            node.pos,
            f"orcpt `{node.value}` differs from the recipient `{mismatched[0]}` "
            "(RFC 3461 §4.2: it must hold the RCPT TO address)",
        )


def _orcpt_address_problem(address: str) -> str | None:
    """Why an ORCPT address is no mailbox, or None (a personalization variable is fine)."""
    try:
        parse_envelope(address)
    except UnresolvedAddress:
        return None
    except AddressError as exc:
        if "SMTPUTF8" in str(exc):
            return None  # a non-ASCII local part: valid in the utf-8 form
        return str(exc)
    return None


def same_address(one: str, other: str) -> bool:
    """Same mailbox: local parts equal as written, domains equal after normalization."""
    local_one, _, domain_one = one.rpartition("@")
    local_other, _, domain_other = other.rpartition("@")
    if local_one != local_other:
        return False
    try:
        return normalize_domain(domain_one) == normalize_domain(domain_other)
    except AddressError:
        return domain_one.lower() == domain_other.lower()
