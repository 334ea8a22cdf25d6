"""One domain's SPF, gathered and told: for `aligncheck spf` and the SPF section of `explain`.

`gather()` asks DNS in rounds (or reads a snapshot) until the record tree and check_host() for
every host have what they need; `Summary` renders the JSON of spec §7 and the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aligncheck.errors import AligncheckError
from aligncheck.spf.evaluate import IPAddress, NeedAnswers, Outcome, check_host, valid_domain
from aligncheck.spf.lint import Tree, count_text, tree_lines, walk

if TYPE_CHECKING:
    from aligncheck.resolver import AnswerTable, Question
    from aligncheck.settings import Settings


UNEXPLAINED = ("none", "neutral", "permerror", "temperror")  # results told with their reason


@dataclass(frozen=True)
class Summary:
    domain: str
    tree: Tree | None  # None for a name that is not a valid domain
    outcomes: list[tuple[str, Outcome]]

    def document(self, esp: Sequence[str]) -> dict[str, Any]:
        """The JSON of spec §7; problems at the severity they have without a policy to
        soften them (AC700 and AC706 as errors)."""
        from aligncheck.findings import Severity
        from aligncheck.rules import RULES
        from aligncheck.rules.spf import problems

        tree = self.tree
        found = problems(tree, self.outcomes, esp, Severity.ERROR) if tree else []
        return {
            "domain": self.domain,
            "record": tree.root.text if tree else None,
            "lookups": tree.lookups if tree else 0,
            "lookups_complete": tree.complete if tree else True,  # False: a lower bound
            "void_lookups": tree.voids if tree else 0,
            "problems": [
                {
                    "rule": code,
                    "name": RULES[code].name,
                    "severity": str(level or RULES[code].severity),
                    "message": message,
                }
                for code, message, level in found
            ],
            "results": [
                {
                    "ip": host,
                    "result": outcome.result,
                    "term": outcome.term,
                    "explanation": outcome.explanation,
                }
                for host, outcome in self.outcomes
            ],
        }

    def text_lines(self, document: dict[str, Any]) -> list[str]:
        lines = [f"domain: {self.domain}"]
        tree = self.tree
        if tree is None:
            lines.append("  not a valid domain name: the SPF result is none (RFC 7208 §4.3)")
        else:
            lines.append(f"record: {document['record'] or '(' + tree.root.problem + ')'}")
            terms = count_text(tree.lookups, tree.complete)
            lines.append(f"DNS-querying terms: {terms}; void lookups: {tree.voids}/2")
            lines.append("tree:")
            lines += [f"  {line}" for line in tree_lines(tree.root)]
        if document["problems"]:
            lines.append("problems:")
            lines += [
                f"  {p['rule']} [{p['severity']}] {p['message']}" for p in document["problems"]
            ]
        for result, (_, outcome) in zip(document["results"], self.outcomes, strict=True):
            line = f"{result['ip']}: {result['result']}"
            if result["term"]:
                line += f" ({result['term']})"
            if result["result"] in UNEXPLAINED:
                line += f"; {outcome.reason}"  # the term alone does not say why
            if result["explanation"]:
                line += f"; explanation: {result['explanation']}"
            lines.append(line)
        return lines


def not_a_domain(domain: str, hosts: Sequence[IPAddress], why: str) -> Summary:
    """A name no DNS question can carry (IDNA refuses it): `none` for every host, as for
    any name that is not a valid domain (RFC 7208 §4.3)."""
    outcome = Outcome("none", None, domain, why)
    return Summary(domain, None, [(str(ip), outcome) for ip in hosts])


def gather(
    domain: str,
    hosts: Sequence[IPAddress],
    sender: str,
    helo: str,
    settings: Settings,
    table: AnswerTable | None = None,
) -> Summary:
    """The tree and each host's outcome; DNS asked in rounds for what `table` (answers
    gathered already) lacks, or everything read from the snapshot."""
    from aligncheck.resolver import ResolverConfig, resolve_until, snapshot

    def evaluate(answers: AnswerTable) -> tuple[Summary, set[Question]]:
        missing: set[Question] = set()
        tree = None
        if valid_domain(domain):
            try:
                tree = walk(answers, domain)
            except NeedAnswers as need:
                missing |= need.questions
        outcomes = []
        for ip in hosts:
            try:
                outcomes.append((str(ip), check_host(answers, ip, domain, sender, helo)))
            except NeedAnswers as need:
                missing |= need.questions
        return Summary(domain, tree, outcomes), missing

    if settings.snapshot is not None:
        table = table if table is not None else snapshot.load(settings.snapshot)
    else:
        config = ResolverConfig(
            settings.nameservers, settings.dns_timeout, settings.concurrency, settings.cache
        )
        table = resolve_until(lambda answers: evaluate(answers)[1], config, table)
    found, missing = evaluate(table)
    if missing:
        names = ", ".join(sorted(f"{n} {t}" for n, t in missing)[:3])
        raise AligncheckError(f"the DNS snapshot lacks answers the SPF check needs ({names})")
    return found
