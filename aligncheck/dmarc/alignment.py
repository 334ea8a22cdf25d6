"""Identifier alignment (RFC 7489 §3.1, RFC 9989 §3.2): whether a domain (the MAIL FROM for
SPF, `d=` for DKIM) aligns with the author domain under a model's discovery.

One judgement for every caller: AC301, `explain`, and later the DKIM leg. Pure over gathered
answers; raises `Failure` when an answer the relaxed mode needs is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aligncheck.dmarc import psl
from aligncheck.dmarc.discovery import Discovery, walk
from aligncheck.resolver import Failure, Lookup

# (model, domain) -> (organizational domain, how it was found)
OrgDomainOf = Callable[[str, str], tuple[str, str]]


@dataclass(frozen=True)
class Alignment:
    aligned: bool
    mode: str  # "strict" or "relaxed"
    domain: str  # the identifier judged
    org_domain: str | None  # its organizational domain (relaxed mode)
    found_by: str  # how that organizational domain was found
    why_not: str | None  # for people, when not aligned

    @property
    def strict(self) -> bool:
        return self.mode == "strict"


def org_domain_finder(lookup: Lookup, psl_private: bool) -> OrgDomainOf:
    """Organizational domains of other identifiers, each walked from itself (RFC 9989) or
    taken from the Public Suffix List (RFC 7489), remembered per run."""
    known: dict[tuple[str, str], tuple[str, str]] = {}

    def org_of(model: str, domain: str) -> tuple[str, str]:
        key = (model, domain)
        if key not in known:
            if model == "rfc7489":
                known[key] = (psl.org_domain(domain, psl_private), "Public Suffix List")
            else:
                tree = walk(lookup, domain)
                known[key] = (tree.org_domain, f"DNS tree walk: {tree.reason}")
        return known[key]

    return org_of


def align(
    discovery: Discovery,
    domain: str,
    org_of: OrgDomainOf,
    *,
    tag: str = "aspf",
    require_strict: bool = False,
) -> Alignment | Failure:
    """Does `domain` align with the author domain `discovery` is about, under the mode the
    policy's `tag` (`aspf` or `adkim`) sets, or strict when the organization requires it?
    The Failure of a lookup the relaxed mode needed is returned, not raised."""
    author = discovery.domain
    mode_tag = discovery.aspf if tag == "aspf" else discovery.adkim
    if mode_tag == "s" or require_strict:
        aligned = domain == author
        why = (
            f"{tag}=s (strict)"
            if mode_tag == "s"
            else "strict alignment (required by `require-strict-alignment`)"
        )
        return Alignment(
            aligned,
            "strict",
            domain,
            None,
            "",
            None if aligned else f"{why} needs `{author}` exactly",
        )
    try:
        org, found_by = org_of(discovery.model, domain)
    except Failure as failure:
        return failure
    if org == discovery.org_domain:
        return Alignment(True, "relaxed", domain, org, found_by, None)
    return Alignment(
        False,
        "relaxed",
        domain,
        org,
        found_by,
        f"{tag}=r (relaxed) needs the same organizational domain: "
        f"`{org}` vs `{discovery.org_domain}`",
    )
