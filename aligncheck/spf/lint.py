"""The static SPF lint: a domain's record tree as a linter sees it, for the worst case (a host
that matches nothing), with the DNS-querying terms counted per record.

Pure over gathered answers: `walk()` raises `NeedAnswers` with every question of the tree's
next level at once, so a run asks one round per level of includes for all its domains.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aligncheck.resolver import Answer, Lookup, Question
from aligncheck.spf.evaluate import MAX_LOOKUPS, MAX_VOIDS, NeedAnswers, qname, valid_domain
from aligncheck.spf.macro import Context, MacroError, expand, parse_macro_string, uses
from aligncheck.spf.record import (
    LOOKUP_TERMS,
    Mechanism,
    Modifier,
    SpfRecord,
    SpfSyntaxError,
    is_spf,
    near_miss,
    parse,
)

SENDER_MACROS = "slohipcrtv"  # every letter but d depends on the sender or the client
UDP_LIMIT = 512
RECORD_LIMIT = 450
# The walk follows includes and redirects, and asks what `a`/`mx`/`exists` name, while at most
# this many DNS-querying terms come before (in the order check_host would meet them): five
# times the limit counts every tree a person can still mend term by term, and a tree made to
# be endless (a chain of includes hundreds deep, ten includes per record ten levels down)
# costs a few dozen questions instead of every name it names.
FOLLOWED_LOOKUPS = 5 * MAX_LOOKUPS
LISTED = 12  # records (AC703) or void terms (AC704) a message names, at most
SENDER_NOTE = "not followed: its name depends on the sender"


@dataclass(frozen=True)
class Issue:
    """A static finding about the tree; rules/spf.py names the rule (`kind` is its name)."""

    kind: str
    message: str


@dataclass
class Term:
    """One term of a record, with what it costs and where it leads."""

    text: str
    lookups: int  # 1 for a DNS-querying term that is reached, else 0
    child: Node | None = None  # include / redirect target
    void: bool = False
    note: str = ""  # "not followed: …", "dead: after all", …
    sender_dependent: bool = False  # its name needs the sender: not followed (AC713)


@dataclass
class Node:
    domain: str
    record: SpfRecord | None = None
    text: str | None = None  # the record as published (also when it does not parse)
    terms: list[Term] = field(default_factory=list)
    problem: str = ""  # why this name gives no usable record

    @property
    def lookups(self) -> int:
        """DNS-querying terms of this record and everything it leads to."""
        return sum(t.lookups + (t.child.lookups if t.child else 0) for t in self.terms)

    @property
    def voids(self) -> int:
        return sum(int(t.void) + (t.child.voids if t.child else 0) for t in self.terms)

    def nodes(self) -> list[Node]:
        found = [self]
        for term in self.terms:
            if term.child is not None:
                found.extend(term.child.nodes())
        return found


@dataclass
class Tree:
    root: Node
    issues: list[Issue]
    reaches: set[str]  # every include/redirect target reached
    complete: bool = True  # False when the walk stopped at FOLLOWED_LOOKUPS or 10 levels

    @property
    def lookups(self) -> int:
        return self.root.lookups

    @property
    def voids(self) -> int:
        return self.root.voids


def questions_of(domain: str) -> list[Question]:
    """The first round for a MAIL FROM domain: its TXT and its SPF (type 99) RRsets."""
    return [(qname(domain), "TXT"), (qname(domain), "SPF")]


def walk(lookup: Lookup, domain: str) -> Tree:
    """The record tree of `domain` and its static issues. Raises NeedAnswers with every
    missing answer of the tree found so far."""
    walker = _Walker(lookup)
    root = walker.node(domain, (), top=True)
    if walker.missing:
        raise NeedAnswers(walker.missing)
    return Tree(root, walker.issues(root), walker.reaches, not walker.stopped)


@dataclass
class _Walker:
    lookup: Lookup
    missing: set[Question] = field(default_factory=set)
    reaches: set[str] = field(default_factory=set)
    _issues: list[Issue] = field(default_factory=list)
    met: int = 0  # DNS-querying terms met so far, in check_host's order
    stopped: str = ""  # the limit past which part of the tree was not walked (counts: at least)

    def answer(self, name: str, rdtype: str) -> Answer | None:
        question = (qname(name), rdtype)
        answer = self.lookup.answer(*question)
        if answer is None:
            self.missing.add(question)
        return answer

    def issue(self, kind: str, message: str) -> None:
        self._issues.append(Issue(kind, message))

    def node(self, domain: str, path: tuple[str, ...], top: bool = False) -> Node:
        node = Node(domain)
        answer = self.answer(domain, "TXT")
        if answer is None:
            return node
        if answer.failed:
            node.problem = f"TXT lookup of `{domain}` failed: {answer.error}"
            self.issue("lookup-failed", node.problem)
            return node
        texts = list(answer.records) if answer.kind == "records" else []
        records = [t for t in texts if is_spf(t)]
        if top:
            self._top_level(domain, answer, texts, records)
        if not records:
            node.problem = "no SPF record" if answer.kind != "nxdomain" else "NXDOMAIN"
            return node
        if len(records) > 1:
            node.problem = f"{len(records)} SPF records"
            self.issue("spf-multiple", f"`{domain}` publishes {len(records)} `v=spf1` records")
            return node
        node.text = records[0]
        try:
            node.record = parse(records[0])
        except SpfSyntaxError as exc:
            node.problem = f"syntax error {exc}"
            self.issue("spf-syntax", f"`{domain}`: {exc}")
            return node
        self.terms(node, (*path, domain.lower()))
        return node

    def _top_level(self, domain: str, answer: Answer, texts: list[str], records: list[str]) -> None:
        if not records:
            almost = [t for t in texts if near_miss(t)]
            detail = (
                f": `{almost[0][:60]}` starts like one but is not (`v=spf1` then a space)"
                if almost
                else ""
            )
            where = "does not exist" if answer.kind == "nxdomain" else "has no SPF record"
            self.issue("spf-missing", f"`{domain}` {where}{detail}")
        if any(t.lower().startswith("spf2.0/") for t in texts):
            self.issue("spf-deprecated", f"`{domain}` publishes a Sender ID (`spf2.0/`) record")
        type99 = self.answer(domain, "SPF")
        if type99 is not None and type99.kind == "records":
            self.issue("spf-deprecated", f"`{domain}` publishes the discontinued SPF RR (type 99)")
        if records:
            self._size(domain, texts, records[0])

    def _size(self, domain: str, texts: list[str], record: str) -> None:
        size = len(record.encode("utf-8", "replace"))
        if size > RECORD_LIMIT:
            self.issue("spf-too-long", f"`{domain}`'s record is {size} bytes (over {RECORD_LIMIT})")
            return
        message = udp_size(domain, texts)
        if message > UDP_LIMIT:
            self.issue(
                "spf-too-long",
                f"the TXT records of `{domain}` make a {message}-byte answer: over {UDP_LIMIT} "
                "bytes, receivers must retry over TCP",
            )

    def terms(self, node: Node, path: tuple[str, ...]) -> None:
        record = node.record
        assert record is not None
        after_all = False
        for term in record.terms:
            if isinstance(term, Modifier):
                node.terms.append(self.modifier(node, term, path))
                continue
            if after_all:
                node.terms.append(Term(term.text, 0, note="dead: after `all`"))
                continue
            node.terms.append(self.mechanism(node.domain, term, path))
            after_all = term.name == "all"

    def past_limit(self, text: str, cost: int) -> Term | None:
        """Count a term met; past FOLLOWED_LOOKUPS, what it names is not asked (its own cost
        still counts)."""
        self.met += cost
        if cost and self.met > FOLLOWED_LOOKUPS:
            return self.not_walked(text, cost, f"{FOLLOWED_LOOKUPS} DNS-querying terms")
        return None

    def not_walked(self, text: str, cost: int, limit: str) -> Term:
        self.stopped = self.stopped or limit
        return Term(text, cost, note=f"not walked: past {limit}")

    def into(self, target: str, term: str, cost: int, path: tuple[str, ...]) -> Term:
        """An include or redirect, followed unless deeper than any host can be evaluated
        (each level costs a DNS-querying term, so past 10 levels check_host has given up)."""
        if len(path) > MAX_LOOKUPS:
            return self.not_walked(term, cost, f"{MAX_LOOKUPS} includes deep")
        return Term(term, cost, child=self.follow(target, term, path))

    def modifier(self, node: Node, term: Modifier, path: tuple[str, ...]) -> Term:
        assert node.record is not None
        if term.name != "redirect":
            return Term(term.text, 0)
        if node.record.has_all:
            return Term(term.text, 0, note="ignored: the record has `all`")
        stop = self.past_limit(term.text, 1)
        if stop is not None:
            return stop
        target = self.target(node.domain, term.value)
        if target is None:
            return Term(term.text, 1, note=SENDER_NOTE, sender_dependent=True)
        return self.into(target, term.text, 1, path)

    def mechanism(self, domain: str, term: Mechanism, path: tuple[str, ...]) -> Term:
        cost = 1 if term.name in LOOKUP_TERMS else 0
        if term.name in ("all", "ip4", "ip6"):
            return Term(term.text, 0)
        stop = self.past_limit(term.text, cost)
        if stop is not None:
            return stop
        target = self.target(domain, term.target) if term.target else domain
        if target is None:
            return Term(term.text, cost, note=SENDER_NOTE, sender_dependent=True)
        if term.name == "include":
            return self.into(target, term.text, cost, path)
        if term.name == "ptr" or not valid_domain(target):
            return Term(term.text, cost)
        if term.name == "a":
            found = [self.answer(target, "A"), self.answer(target, "AAAA")]
            void = all(a is not None and a.kind in ("nxdomain", "nodata") for a in found)
            return Term(term.text, cost, void=void)
        rdtype = "MX" if term.name == "mx" else "A"
        answer = self.answer(target, rdtype)
        void = answer is not None and answer.kind in ("nxdomain", "nodata")
        return Term(term.text, cost, void=void)

    def target(self, domain: str, spec: str) -> str | None:
        """The target name, or None when it depends on the sender (only %{d} is known)."""
        try:
            parts = parse_macro_string(spec)
        except MacroError:
            return None
        if uses(parts, SENDER_MACROS):
            return None
        import ipaddress

        context = Context("postmaster@" + domain, domain, ipaddress.ip_address("0.0.0.0"), "")
        return expand(parts, context).rstrip(".")

    def follow(self, target: str, term: str, path: tuple[str, ...]) -> Node | None:
        if target.lower() in path:
            self.issue("spf-loop", f"`{term}` loops back to `{target}` ({' -> '.join(path)})")
            return None
        self.reaches.add(target.lower())
        child = self.node(target, path)
        if child.problem in ("no SPF record", "NXDOMAIN"):
            where = (
                "does not exist (NXDOMAIN)" if child.problem == "NXDOMAIN" else "has no SPF record"
            )
            self.issue("spf-include-broken", f"`{term}`: `{target}` {where}")
        return child

    def issues(self, root: Node) -> list[Issue]:
        issues = list(self._issues)
        if root.record is None:
            return issues
        lookups, voids = root.lookups, root.voids
        if lookups > MAX_LOOKUPS:
            counts = [(n.domain, sum(t.lookups for t in n.terms)) for n in root.nodes()]
            counts = [(name, count) for name, count in counts if count]
            per_record = _listed([f"{name} {count}" for name, count in counts], " records")
            how_many = f"at least {lookups}" if self.stopped else str(lookups)
            stopped = f"; walked up to {self.stopped}" if self.stopped else ""
            issues.append(
                Issue(
                    "spf-too-many-lookups",
                    f"{how_many} DNS-querying terms in the worst case (at most {MAX_LOOKUPS}"
                    f"{stopped}): {per_record}",
                )
            )
        if voids > MAX_VOIDS:
            void = [f"`{t.text}` in {n.domain}" for n in root.nodes() for t in n.terms if t.void]
            named = _listed(void, "")
            issues.append(
                Issue(
                    "spf-void-lookups",
                    f"{voids} void lookups in the worst case (at most {MAX_VOIDS}): {named}",
                )
            )
        for node in root.nodes():
            issues.extend(_record_issues(node, top=node is root))
        return issues


def _listed(items: list[str], kind: str) -> str:
    """The first LISTED items, and how many more (`and 9 more records`)."""
    more = f" and {len(items) - LISTED} more{kind}" if len(items) > LISTED else ""
    return ", ".join(items[:LISTED]) + more


def _record_issues(node: Node, top: bool) -> list[Issue]:
    record = node.record
    if record is None:
        return []
    issues = []
    for mechanism in record.mechanisms:
        if mechanism.name == "all" and mechanism.qualifier == "+":
            issues.append(
                Issue(
                    "spf-pass-all",
                    f"`{node.domain}` ends with `{mechanism.text}`: any host passes SPF",
                )
            )
        if mechanism.name == "ptr":
            issues.append(Issue("spf-ptr", f"`{node.domain}` uses `{mechanism.text}`"))
    if any("%{p" in t.text.lower() for t in record.terms):
        issues.append(Issue("spf-ptr", f"`{node.domain}` uses the `%{{p}}` macro"))
    dead = [t.text for t in node.terms if t.note.startswith(("dead", "ignored"))]
    if dead:
        issues.append(
            Issue("spf-dead-terms", f"`{node.domain}`: {', '.join(dead)} never take effect")
        )
    if top:
        last_all = next((m for m in record.mechanisms if m.name == "all"), None)
        if last_all is not None and last_all.qualifier == "?":
            issues.append(Issue("spf-weak-all", f"`{node.domain}` ends with `?all`"))
        elif last_all is None and record.redirect is None:
            issues.append(
                Issue(
                    "spf-weak-all",
                    f"`{node.domain}` has neither `all` nor `redirect`: unlisted hosts get neutral",
                )
            )
    for term in node.terms:
        if term.sender_dependent:
            issues.append(
                Issue(
                    "spf-unevaluable",
                    f"`{term.text}` in `{node.domain}` depends on the sender: not followed",
                )
            )
    return issues


def count_text(lookups: int, complete: bool) -> str:
    """A tree's DNS-querying terms against the limit, for people: `12/10`, or `at least 51/10`
    where the walk stopped before the end of the tree."""
    return f"{'' if complete else 'at least '}{lookups}/{MAX_LOOKUPS}"


def udp_size(domain: str, texts: list[str]) -> int:
    """The size of the TXT answer for `domain`, computed from the records (strings of at most
    255 octets each), so that live and snapshot runs agree."""
    name = len(qname(domain)) + 2
    size = 12 + name + 4
    for text in texts:
        data = len(text.encode("utf-8", "replace"))
        strings = max(1, -(-data // 255))
        size += 2 + 10 + data + strings
    return size


def tree_lines(node: Node, depth: int = 0, running: list[int] | None = None) -> list[str]:
    """The tree for people: each record, its DNS-querying terms with the count running up."""
    running = running if running is not None else [0]
    pad = "  " * depth
    lines = [f"{pad}{node.domain}: {node.text if node.text is not None else node.problem}"]
    for term in node.terms:
        if term.lookups:
            running[0] += term.lookups
            count = f"  [{running[0]}/{MAX_LOOKUPS}]"
        else:
            count = ""
        extra = f"  ({term.note})" if term.note else ""
        void = "  (void)" if term.void else ""
        lines.append(f"{pad}  {term.text}{count}{void}{extra}")
        if term.child is not None:
            lines.extend(tree_lines(term.child, depth + 2, running))
    return lines
