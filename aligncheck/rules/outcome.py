"""The two legs of DMARC and the outcome of a send, per model (spec §7).

- SPF leg: the MAIL FROM is aligned under `aspf`, and SPF passes for every known sending host.
- DKIM leg: every key the send may be signed with is valid and its `d=` aligned under `adkim`
  (and a signature already in `mime` survives SMTPeter's rewriting).

A leg is `pass`, `fail` (known to fail) or `unknown` (no profile, no sending hosts, a failed
lookup): an unknown leg never counts as passing. One place decides both, so AC301, AC706 and
AC805 agree on which leg carries DMARC, and the report and `explain` show the same outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aligncheck.rules.spf import sender_of  # the rule modules are loaded with the registry

if TYPE_CHECKING:
    from aligncheck.rules.context import DnsRun
    from aligncheck.send import DnsSend

ENFORCING = ("quarantine", "reject")
# AC200-AC203: no author domain to align with
AUTHOR_UNKNOWN = (
    "the author domain is not known: its From is missing, invalid or filled in at send time"
)


NO_POLICY = "the DMARC policy was not looked up (no rule reading it is selected)"


@dataclass(frozen=True)
class Leg:
    state: str  # "pass", "fail" or "unknown"
    why: str  # for people: what carries DMARC, or why not


def depends_on(kind: str, send: DnsSend) -> tuple[object, ...]:
    """What the `kind` leg ("spf" or "dkim") of a send depends on besides the run: sends
    alike in it share one judgement of that leg per run."""
    if kind == "spf":
        mail_from = send.mail_from
        return (send.author_domain, mail_from.kind, mail_from.domain, send.hosts, sender_of(send))
    return (send.author_domain, send.dkim_keys, send.signature_breaks)


def alike(send: DnsSend) -> tuple[object, ...]:
    """What both legs of a send depend on: sends alike in it get the same outcome and the
    same SPF findings (each where its own MAIL FROM is written)."""
    return (depends_on("spf", send), depends_on("dkim", send))


def spf_leg(send: DnsSend, run: DnsRun, model: str) -> Leg:
    return _leg("spf", send, run, model)


def dkim_leg(send: DnsSend, run: DnsRun, model: str) -> Leg:
    return _leg("dkim", send, run, model)


def _leg(kind: str, send: DnsSend, run: DnsRun, model: str) -> Leg:
    """A leg judged once per run for all sends alike in it."""
    known = run.kept(__name__, dict, dict)
    key = (kind, model, depends_on(kind, send))
    if key not in known:
        known[key] = (_spf_leg if kind == "spf" else _dkim_leg)(send, run, model)
    leg = known[key]
    assert isinstance(leg, Leg)
    return leg


def _spf_leg(send: DnsSend, run: DnsRun, model: str) -> Leg:
    mail_from = send.mail_from
    if mail_from.kind == "null":
        return Leg("fail", "MAIL FROM:<> (the null path) cannot pass SPF")
    if send.author_domain is None:
        return Leg("unknown", AUTHOR_UNKNOWN)
    if mail_from.domain is None:
        return Leg("unknown", "the MAIL FROM is not known")
    if not run.asked("policy"):
        return Leg("unknown", NO_POLICY)
    from aligncheck.resolver import Failure
    from aligncheck.rules.policy import alignments
    from aligncheck.rules.spf import evaluate
    from aligncheck.spf.evaluate import NeedAnswers

    found = alignments(run, send.author_domain, mail_from.domain)
    if isinstance(found, Failure):
        return Leg("unknown", f"a lookup failed: {found}")
    alignment = next((a for d, a in found if d.model == model), None)
    if alignment is None or not alignment.aligned:
        return Leg("fail", f"the MAIL FROM `{mail_from.domain}` is not aligned")
    if not send.hosts:
        return Leg("unknown", "no sending host is known")
    if not run.asked("spf"):
        return Leg("unknown", "SPF was not looked up (no AC7xx or AC8xx rule is selected)")
    try:
        tree, outcomes = evaluate(send, run)
    except NeedAnswers:
        return Leg("unknown", "an SPF answer is missing")
    if tree is not None and any(
        term.sender_dependent for node in tree.root.nodes() for term in node.terms
    ):
        return Leg("unknown", "the SPF record depends on the sender (AC713)")
    results = {outcome.result for _, outcome in outcomes}
    if results == {"pass"}:
        return Leg("pass", f"SPF passes for `{mail_from.domain}`")
    if "temperror" in results:
        return Leg("unknown", "an SPF lookup failed")
    bad = next((host, o) for host, o in outcomes if o.result != "pass")
    return Leg("fail", f"host {bad[0]} gets SPF {bad[1].result} for `{mail_from.domain}`")


def _dkim_leg(send: DnsSend, run: DnsRun, model: str) -> Leg:
    if send.signature_breaks:
        return Leg("fail", "the DKIM-Signature in `mime` will not verify (AC806)")
    if send.author_domain is None:
        return Leg("unknown", AUTHOR_UNKNOWN)
    if not send.dkim_keys:
        return Leg("unknown", "no profile or signature says how the mail is signed")
    if not run.asked("policy"):
        return Leg("unknown", NO_POLICY)
    from aligncheck.resolver import Failure
    from aligncheck.rules.dkim import key_verdict
    from aligncheck.rules.policy import alignments

    states: list[tuple[str, str]] = []
    for selector, domain in send.dkim_keys:
        found = alignments(run, send.author_domain, domain, tag="adkim")
        if isinstance(found, Failure):
            return Leg("unknown", f"a lookup failed: {found}")
        alignment = next((a for d, a in found if d.model == model), None)
        if alignment is None or not alignment.aligned:
            return Leg("fail", f"d=`{domain}` is not aligned")
        if not run.asked("dkim"):
            return Leg(
                "unknown", "the DKIM keys were not looked up (no rule reading them is selected)"
            )
        states.append(key_verdict(run, selector, domain))
    for wanted in ("fail", "unknown"):
        why = next((why for state, why in states if state == wanted), None)
        if why is not None:
            return Leg(wanted, why)
    selectors = ", ".join(selector for selector, _ in send.dkim_keys)
    domains = ", ".join(sorted({domain for _, domain in send.dkim_keys}))
    plural = "s" if len(send.dkim_keys) > 1 else ""
    return Leg("pass", f"DKIM d={domains}, selector{plural} {selectors}")


def outcome(send: DnsSend, run: DnsRun, model: str) -> str:
    """`pass (SPF)`, `pass (DKIM)`, `pass (SPF, DKIM)`, `fail` or `unknown`."""
    spf, dkim = spf_leg(send, run, model), dkim_leg(send, run, model)
    passing = [name for name, leg in (("SPF", spf), ("DKIM", dkim)) if leg.state == "pass"]
    if passing:
        return f"pass ({', '.join(passing)})"
    if spf.state == "fail" and dkim.state == "fail":
        return "fail"
    return "unknown"


def carried_by(send: DnsSend, run: DnsRun, models: list[str], other: str) -> str | None:
    """When the `other` leg ("SPF" or "DKIM") passes in every one of `models`, what carries
    DMARC, for a message (`DMARC still passes through DKIM d=example.com, selector zero`)."""
    leg = spf_leg if other == "SPF" else dkim_leg
    legs = [leg(send, run, model) for model in models]
    if not legs or any(found.state != "pass" for found in legs):
        return None
    if other == "SPF":  # the leg's own reason reads `SPF passes for ...`
        return f"DMARC still passes through SPF for `{send.mail_from.domain}`"
    return f"DMARC still passes through {legs[0].why}"
