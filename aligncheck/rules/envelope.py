"""AC3xx rules that need no DNS: the envelope's syntax and the null reverse-path."""

from __future__ import annotations

from collections.abc import Iterator

from aligncheck.addresses import bare_address
from aligncheck.findings import Fix, Problem, Severity
from aligncheck.rules.base import Rule
from aligncheck.send import Send
from aligncheck.settings import Settings

RULES = [
    Rule(
        "AC300",
        "envelope-invalid",
        Severity.ERROR,
        "The envelope is not a bare RFC 5321 mailbox.",
        "SMTPeter's `envelope` is the MAIL FROM address: no display name, no angle brackets, a "
        "valid local part (at most 64 octets, ASCII unless SMTPUTF8) and a valid domain (no "
        "personalization variable, no address literal), at most 254 octets in all.",
        failing="from: info@example.com\nenvelope: Bounces <bounces@example.com>\n",
        passing="from: info@example.com\nenvelope: bounces@example.com\n",
        fix="writes the bare address when the envelope is `Name <address>` or `<address>`.",
    ),
    Rule(
        "AC307",
        "envelope-unresolved",
        Severity.INFO,
        "The envelope is a personalization variable or holds one in its domain: not judged.",
        "SMTPeter fills `{$name}` variables at send time, so the MAIL FROM domain is unknown "
        "here: alignment, deliverability and the allow-list are not checked for this send. A "
        "variable in the local part only (`bounces+{$id}@example.com`) is fine and judged.",
        failing="from: info@example.com\nenvelope: bounces@bounce.{$brand}.com\n",
        passing="from: info@example.com\nenvelope: bounces+{$id}@example.com\n",
    ),
    Rule(
        "AC303",
        "null-reverse-path",
        Severity.WARNING,
        "`trackbounces: false` (or an `X-SMTPeter-TrackBounces: false` header in `mime`, which "
        "overrides the property) without `envelope` sends with `MAIL FROM:<>`.",
        "With a null reverse-path SPF checks the HELO name, which can never align with your "
        "From domain: DMARC then rests on DKIM alone, and no bounce reaches you.",
        failing="from: info@example.com\ntrackbounces: false\n",
        passing="from: info@example.com\nenvelope: bounces@example.com\ntrackbounces: false\n",
    ),
]


def check(send: Send, settings: Settings) -> Iterator[Problem]:
    envelope = send.envelope
    if envelope is not None and envelope.error is not None:
        bare = bare_address(envelope.written)
        yield Problem(
            "AC300",
            envelope.pos,
            f"envelope `{envelope.written}` is invalid: {envelope.error}",
            fix=None if bare is None else Fix(envelope.written, bare),
        )
    if envelope is not None and envelope.unresolved is not None:
        yield Problem(
            "AC307",
            envelope.pos,
            f"{envelope.unresolved}: it is known only at send time, so alignment and "
            "deliverability are not checked",
        )
    if "envelope" not in send.properties and send.tracking is False:
        said, header = send.option_written("trackbounces")
        yield Problem(
            "AC303",
            header or send.properties["trackbounces"].value.pos,
            f"{said} without `envelope` sends with MAIL FROM:<>: SPF cannot align and DMARC "
            f"rests on DKIM alone ({_dkim_state(send, settings)}); no bounce reaches you",
        )


def _dkim_state(send: Send, settings: Settings) -> str:
    """What is known, without DNS, of the DKIM leg the send then depends on."""
    if send.dkim_signature is not None:
        selector, domain = send.dkim_signature
        return f"the DKIM-Signature in `mime`, d={domain}, selector {selector}"
    profile = settings.profile(send.author_domain)
    if profile is None or not profile.dkim_selectors:
        return f"no DKIM key is known for `{send.author_domain}`: give its profile `dkim-selectors`"
    selectors = ", ".join(profile.dkim_selectors)
    plural = "s" if len(profile.dkim_selectors) > 1 else ""
    return f"its profile signs with d={profile.signing_domain}, selector{plural} {selectors}"
