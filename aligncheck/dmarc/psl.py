"""RFC 7489 organizational domains from the Public Suffix List, offline.

The list is the snapshot tldextract ships (never fetched). It is read and matched here rather
than through tldextract's extractor, whose import pulls in an HTTP stack and costs more than a
whole small run; the test suite checks that both give the same answers. The parsed rules are
kept in aligncheck's cache directory for the next run, tied to the snapshot file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from aligncheck.psl_version import snapshot_path

PRIVATE_MARKER = "// ===BEGIN PRIVATE DOMAINS==="


@dataclass(frozen=True)
class Rules:
    exact: frozenset[str]  # `co.uk`
    wildcard: frozenset[str]  # `ck` for `*.ck`
    exception: frozenset[str]  # `www.ck` for `!www.ck`


CACHE_FORMAT = 2  # bump when what is kept changes


@cache
def _rules(include_private: bool) -> Rules:
    """The rules, from the copy parsed by an earlier run when the snapshot file is the same
    (about 2 ms against 15 ms for reading its 10,000 lines again), else parsed and kept."""
    from aligncheck import cachedir

    source = snapshot_path()
    stat = source.stat()
    key = [CACHE_FORMAT, str(source), stat.st_size, stat.st_mtime_ns, include_private]
    name = kept_name(include_private)
    rules = _rules_of(cachedir.kept(name, key))
    if rules is None:
        rules = _parse(source.read_text(encoding="utf-8"), include_private)
        lists = [sorted(rules.exact), sorted(rules.wildcard), sorted(rules.exception)]
        cachedir.keep(name, key, lists)
    return rules


def kept_name(include_private: bool) -> str:
    return f"psl-rules-{'private' if include_private else 'icann'}.json"


def _rules_of(lists: object) -> Rules | None:
    """The rules an earlier run kept; None when they are not three lists of names."""
    if not (
        isinstance(lists, list)
        and len(lists) == 3
        and all(isinstance(part, list) and all(isinstance(r, str) for r in part) for part in lists)
    ):
        return None
    return Rules(frozenset(lists[0]), frozenset(lists[1]), frozenset(lists[2]))


def _parse(text: str, include_private: bool) -> Rules:
    public, _, private = text.partition(PRIVATE_MARKER)
    exact: set[str] = set()
    wildcard: set[str] = set()
    exception: set[str] = set()
    for section in (public, private) if include_private else (public,):
        for line in section.splitlines():
            rule = line.strip().split(" ")[0].lower() if line.strip() else ""
            if not rule or rule.startswith("//"):
                continue
            if rule.startswith("!"):
                exception.add(rule[1:])
            elif rule.startswith("*."):
                wildcard.add(rule[2:])
            else:
                exact.add(rule)
    return Rules(frozenset(exact), frozenset(wildcard), frozenset(exception))


def _unicode(label: str) -> str:
    """PSL rules are written in U-labels; our names are A-labels."""
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode").lower()
    except (UnicodeError, ValueError):
        return label


def suffix_length(labels: list[str], include_private: bool) -> int:
    """How many labels of the name form its public suffix (the PSL's `*` default: one)."""
    rules = _rules(include_private)
    decoded = [_unicode(label) for label in labels]
    count = len(decoded)
    for i in range(count):
        candidate = ".".join(decoded[i:])
        if candidate in rules.exception:
            return count - i - 1
        if candidate in rules.exact:
            return count - i
        if i + 1 < count and ".".join(decoded[i + 1 :]) in rules.wildcard:
            return count - i
    return 1


@cache
def org_domain(domain: str, include_private: bool = True) -> str:
    """The registrable domain of a normalized (lower-case A-label) name; a name that is itself
    a public suffix is its own organizational domain."""
    labels = domain.split(".")
    length = suffix_length(labels, include_private)
    if length >= len(labels):
        return domain
    return ".".join(labels[-(length + 1) :])
