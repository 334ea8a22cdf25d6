"""AC2xx: the author (RFC5322.From) of a send."""

from __future__ import annotations

from collections.abc import Iterator

from aligncheck.addresses import AuthorIssue
from aligncheck.findings import Problem, Severity
from aligncheck.rules.base import Rule
from aligncheck.send import Send
from aligncheck.settings import Settings

RULES = [
    Rule(
        "AC200",
        "from-missing",
        Severity.ERROR,
        "The send has no author: `mime` without a From header and no `from` or `template`.",
        "DMARC is evaluated against the RFC5322.From domain. A message without one is rejected "
        "by most receivers and can never pass DMARC.",
        failing='envelope: bounces@example.com\nmime: "Subject: hi\\r\\n\\r\\nHello\\r\\n"\n',
        passing=(
            "envelope: bounces@example.com\n"
            'mime: "From: info@example.com\\r\\nSubject: hi\\r\\n\\r\\nHello\\r\\n"\n'
        ),
    ),
    Rule(
        "AC201",
        "from-multiple",
        Severity.ERROR,
        "Several From header fields, several mailboxes, or group syntax.",
        "DMARC needs exactly one author domain (RFC 7489 §6.6.1, RFC 9989 §5.3.1); receivers "
        "reject or cannot evaluate messages with several.",
        failing="envelope: bounces@example.com\nfrom: a@example.com, b@example.org\n",
        passing="envelope: bounces@example.com\nfrom: a@example.com\n",
    ),
    Rule(
        "AC202",
        "from-invalid",
        Severity.ERROR,
        "The From address cannot be parsed or has no usable domain.",
        "No domain, a domain literal (`[192.0.2.1]`), an invalid domain (trailing dot, empty "
        "label, `_`, hyphen at a label's edge, too long) or an RFC 2047 encoded-word inside the "
        "address. Domains are compared as IDNA2008 A-labels: `faß.de` is `xn--fa-hia.de`.",
        failing="envelope: bounces@example.com\nfrom: info@example.com.\n",
        passing="envelope: bounces@example.com\nfrom: info@example.com\n",
    ),
    Rule(
        "AC203",
        "from-unresolved",
        Severity.INFO,
        "The author comes from a stored template or holds a variable: alignment is not checked.",
        "With `template` and no `from`, the author is in SMTPeter's stored template; with a "
        "From address that is a personalization variable (`{$from}`), or a variable in its "
        "domain, it is only known at send time.",
        failing="envelope: bounces@example.com\nrecipient: jane@example.org\ntemplate: 42\n",
        passing=(
            "envelope: bounces@example.com\nrecipient: jane@example.org\ntemplate: 42\n"
            "from: info@example.com\n"
        ),
    ),
]


AUTHOR_CODES = {
    AuthorIssue.MULTIPLE: "AC201",
    AuthorIssue.INVALID: "AC202",
    AuthorIssue.UNRESOLVED: "AC203",
}


def check(send: Send, settings: Settings) -> Iterator[Problem]:
    author = send.author
    if author.problem is not None:
        yield Problem(AUTHOR_CODES[author.problem.kind], author.pos, author.problem.message)
    elif author.source == "none":
        where = "`mime` has no From header" if "mime" in send.properties else "no `from`"
        yield Problem(
            "AC200", author.pos, f"no author: {where}, and no `from` or `template` gives one"
        )
    elif author.source == "template":
        yield Problem(
            "AC203",
            author.pos,
            "the author comes from the stored template: alignment is not checked "
            "(add `from` to check it)",
        )
