"""RFC 7489 organizational domains from the Public Suffix List, offline.

tldextract is imported lazily and built once per process per setting, with no list URLs and
no cache directory: it reads the snapshot it ships and never touches the network.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tldextract


@cache
def _extractor(include_private: bool) -> tldextract.TLDExtract:
    import tldextract

    return tldextract.TLDExtract(
        suffix_list_urls=(),
        cache_dir=None,
        fallback_to_snapshot=True,
        include_psl_private_domains=include_private,
    )


@cache
def org_domain(domain: str, include_private: bool = True) -> str:
    """The registrable domain of a normalized (lower-case A-label) name.

    A name that is itself a public suffix is its own organizational domain; an unlisted TLD
    gets the PSL's default rule `*` (the TLD is the suffix).
    """
    result = _extractor(include_private)(domain)
    registrable = result.top_domain_under_public_suffix
    if registrable:
        return registrable.lower()
    labels = domain.split(".")
    if result.suffix and result.suffix.lower() == domain:
        return domain  # the name is a public suffix itself
    return ".".join(labels[-2:])
