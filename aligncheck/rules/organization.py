"""Organization policies a CI gate can enforce beyond what DMARC requires (AC305, AC306)."""

from __future__ import annotations

from collections.abc import Iterator

from aligncheck.findings import Problem, Severity
from aligncheck.rules.base import Rule
from aligncheck.send import Send
from aligncheck.settings import Settings

RULES = [
    Rule(
        "AC305",
        "envelope-required",
        Severity.ERROR,
        "A send without its own `envelope` (off unless selected).",
        "Without an envelope SMTPeter uses its own bounce address and keeps the bounces. "
        "Teams that process their own bounces and DSNs require an envelope on every send: "
        'select this rule by its code or name (`--select AC305`, or `select = ["AC", '
        '"AC305"]` in the configuration); a prefix such as `AC3` does not turn it on.',
        failing="from: info@example.com\nrecipient: jane@example.org\n",
        passing="from: info@example.com\nrecipient: jane@example.org\n"
        "envelope: bounces@example.com\n",
        default_enabled=False,
    ),
    Rule(
        "AC306",
        "envelope-domain-not-allowed",
        Severity.ERROR,
        "The envelope domain is not on the configured allow-list.",
        'With `envelope-domains = ["example.com"]` in the configuration, every envelope '
        "must lie at one of those domains or below them (`bounces.example.com` is allowed). "
        "Without the key the rule never fires.",
        failing="from: info@example.com\nenvelope: bounces@esp.example.net\n",
        passing="from: info@example.com\nenvelope: bounces@mail.example.com\n",
        options=("envelope-domains",),
        example_settings=(("envelope_domains", ("example.com",)),),
    ),
]


def check(send: Send, settings: Settings) -> Iterator[Problem]:
    envelope = send.envelope
    if "envelope" not in send.properties:
        yield Problem(
            "AC305",
            send.raw.node.pos,
            "the send has no `envelope`: this project requires one on every send",
        )
    if envelope is None or envelope.mailbox is None or not settings.envelope_domains:
        return
    domain = envelope.mailbox.domain
    allowed = settings.envelope_domains  # normalized by Settings
    if not any(domain == d or domain.endswith("." + d) for d in allowed):
        yield Problem(
            "AC306",
            envelope.pos,
            f"envelope domain `{domain}` is not among the allowed envelope domains "
            f"({', '.join(allowed)})",
        )
