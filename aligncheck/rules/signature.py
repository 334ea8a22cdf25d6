"""AC806: a `DKIM-Signature` already in `mime` while SMTPeter may rewrite the message. Needs no
DNS and runs offline."""

from __future__ import annotations

from collections.abc import Iterator

from aligncheck.findings import Problem, Severity
from aligncheck.rules.base import Rule
from aligncheck.send import REWRITES, Send, signature_breaks
from aligncheck.settings import Settings

_MIME = (
    "from: info@example.com\nenvelope: bounces@example.com\nmime: |\n"
    "  DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=zero; h=from; bh=x; b=y\n"
    "  From: info@example.com\n\n  hi\n"
)

RULES = [
    Rule(
        "AC806",
        "dkim-signature-broken",
        Severity.WARNING,
        "`mime` holds a DKIM-Signature that SMTPeter's rewriting will break.",
        "SMTPeter rewrites links (`trackclicks`), adds a tracking pixel (`trackopens`) and "
        "inlines CSS (`inlinecss`) unless each is explicitly `false`: any of these changes the "
        "signed body, and the signature no longer verifies. An `X-SMTPeter-TrackClicks`, "
        "`-TrackOpens` or `-InlineCSS` header in `mime` overrides its property, as SMTPeter "
        "reads it.",
        failing=_MIME,
        passing=_MIME + "trackclicks: false\ntrackopens: false\ninlinecss: false\n",
    ),
]


def check(send: Send, settings: Settings) -> Iterator[Problem]:
    if signature_breaks(send):
        left_on = [name for name in REWRITES if send.option(name) is not False]
        mime = send.properties["mime"]
        yield Problem(
            "AC806",
            mime.value.pos,
            f"`mime` holds a DKIM-Signature, but {', '.join(f'`{n}`' for n in left_on)} "
            f"{'is' if len(left_on) == 1 else 'are'} not `false`: SMTPeter's rewriting breaks "
            "the signature",
        )
