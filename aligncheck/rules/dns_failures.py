"""AC6xx: lookups that failed, or answers a DNS snapshot lacks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aligncheck.findings import Pos, Problem, Severity
from aligncheck.rules.base import Rule

if TYPE_CHECKING:
    from aligncheck.resolver import Failure

_SEND = "from: info@example.com\nenvelope: bounces@example.com\n"
_REJECT = (
    ("_dmarc.example.com", "TXT", "v=DMARC1; p=reject"),
    ("example.com", "MX", "10 mx.example.com."),
)

RULES = [
    Rule(
        "AC600",
        "dns-failure",
        Severity.ERROR,
        "A lookup failed transiently; the checks that needed it were skipped.",
        "A timeout, SERVFAIL, REFUSED or network error is never read as `no record`: the send "
        "is not judged, and the run does not pass.",
        failing=_SEND,
        passing=_SEND,
        needs_dns=True,
        dns=(("example.com", "SERVFAIL", ""),),
        passing_dns=_REJECT,
    ),
    Rule(
        "AC601",
        "snapshot-missing",
        Severity.ERROR,
        "Running from a DNS snapshot that lacks a needed answer.",
        "With `--snapshot FILE` no query is sent: an answer the file does not hold cannot be "
        "judged. Refresh the snapshot (`aligncheck snapshot PATH... -o FILE`) after adding "
        "sends or domains. The failing example runs from a snapshot recorded for another "
        "send.",
        failing="from: info@example.org\nenvelope: bounces@example.org\n",
        passing=_SEND,
        needs_dns=True,
        dns=_REJECT,
    ),
]


def failure_problem(failure: Failure, pos: Pos, skipped: str) -> Problem:
    """AC600 for a failed lookup, AC601 for an answer the snapshot lacks."""
    if failure.missing:
        return Problem(
            "AC601",
            pos,
            f"the DNS snapshot has no {failure.rdtype} answer for `{failure.name}`: "
            f"{skipped} skipped (refresh the snapshot)",
        )
    return Problem("AC600", pos, f"{failure}: {skipped} skipped")
