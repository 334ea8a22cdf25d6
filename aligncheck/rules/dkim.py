"""AC800-AC805: the DKIM keys a send may be signed with (spec §7): the selectors of its
author's sender-domain profile, or the `DKIM-Signature` already in its `mime`. Each key name
`<selector>._domainkey.<d>` is read once per file; `d=` is judged against the author under
`adkim` in each model in force."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aligncheck.findings import Pos, Problem, Severity
from aligncheck.rules.base import Rule, about
from aligncheck.rules.dns_failures import failure_problem

if TYPE_CHECKING:
    from aligncheck.dkim.key import KeyRecord
    from aligncheck.resolver import Question
    from aligncheck.rules.context import DnsRun, Domains
    from aligncheck.send import DnsSend
    from aligncheck.settings import Settings

RSA2048 = (  # generated with `cryptography` for the examples
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAm8QKDYEIBNbhiO6tiK2rFlQMto0I9zELoCBw"
    "H0+VuA/KZMvz6Ycp0JEhl6SihEBciIbjSbD2+aKVX9pWp1WqULTV+MPbGpQwH1pwzpG5smKupRPiAo1U"
    "EuuRPxvRQGz+88e6E2DX722kh69iwKcPiZxI+gilkJI3O4jIrKpCK8LGdo/vNI+4rvpAgtrUJiAS4Jid"
    "yZ1OpBKcV03mX1isn4X9DJx7A8oil9x1HrDgBACE2MJpMQlhIJuhtvcbjZyVHq25ODy6ItgSgx47BPB2"
    "mxiMhzGb07vY6eYJVENTzyoi5HhIrS7Fa2YighaEeyWKlUM82JBRMkwAPJpBl+HqBQIDAQAB"
)
RSA1024 = (  # generated with `cryptography` for the examples
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCooJ3eOyDTO2VC4SxljFSbnHOw0X1FBrIiap/l7re0"
    "tWoHcsFrvsXwHBYORgP+x8k3A5V+YVBx4AWh44gRGCG/FT/+0cyzouPr6VzqQb2Jg4g06p59MpsVkK8S"
    "89R9RI1AMW069KOTZA35FzNM7gwIQqtcnvpaVY4oKdNsViQsGwIDAQAB"
)

_PROFILE = (("sender_domains", {"example.com": {"dkim-selectors": ["zero"]}}),)
_SEND = "from: info@example.com\nenvelope: bounces@example.com\n"
_DMARC = ("_dmarc.example.com", "TXT", "v=DMARC1; p=reject")
_MX = ("example.com", "MX", "10 mx.example.com.")
_SPF = ("example.com", "TXT", "v=spf1 include:spf1.smtpeter.com -all")
_ESP = ("spf1.smtpeter.com", "TXT", "v=spf1 ip4:192.0.2.0/28 -all")
_GOOD = ("zero._domainkey.example.com", "TXT", f"v=DKIM1; k=rsa; p={RSA2048}")


def _zone(*key: tuple[str, str, str]) -> tuple[tuple[str, str, str], ...]:
    return (_DMARC, _MX, _SPF, _ESP, *key)


def _rule(
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    description: str,
    key: tuple[str, str, str] | None,
    failing: str = _SEND,
) -> Rule:
    return Rule(
        code,
        name,
        severity,
        summary,
        description,
        failing=failing,
        passing=_SEND,
        needs_dns=True,
        dns=_zone(*((key,) if key else ())),
        passing_dns=_zone(_GOOD),
        options=("sender-domains",),
        example_settings=_PROFILE,
    )


RULES = [
    _rule(
        "AC800",
        "dkim-key-missing",
        Severity.ERROR,
        "No TXT record at the key name: signatures with this selector cannot verify.",
        "NXDOMAIN, no data, or a CNAME to nowhere at `<selector>._domainkey.<d>` (the examples "
        'configure `dkim-selectors = ["zero"]` for example.com). SMTPeter rotates among '
        "the selectors of a sender domain, so every one must hold a key.",
        None,
    ),
    _rule(
        "AC801",
        "dkim-key-invalid",
        Severity.ERROR,
        "A key record verifiers cannot use.",
        "Several TXT records at the key name, a tag twice, `v=` not first or not `DKIM1`, no "
        "`p=`, bad base64, a key that does not parse, an unknown `k=`, `h=` without sha256, "
        "`s=` without `email` or `*`.",
        ("zero._domainkey.example.com", "TXT", f"p={RSA2048}; v=DKIM1"),
    ),
    _rule(
        "AC802",
        "dkim-key-revoked",
        Severity.ERROR,
        "`p=` is empty: the key is revoked.",
        "RFC 6376 §3.6.1: an empty `p=` means the key has been revoked; signatures made with "
        "it do not verify.",
        ("zero._domainkey.example.com", "TXT", "v=DKIM1; k=rsa; p="),
    ),
    _rule(
        "AC803",
        "dkim-key-weak",
        Severity.WARNING,
        "An RSA key under 2048 bits (under 1024: an error).",
        "RFC 8301 §3.2: verifiers must reject RSA keys under 1024 bits (then this is an error: "
        "the signature does not count), and signers should use at least 2048.",
        ("zero._domainkey.example.com", "TXT", f"v=DKIM1; k=rsa; p={RSA1024}"),
    ),
    _rule(
        "AC804",
        "dkim-testing",
        Severity.WARNING,
        "`t=y`: receivers treat the mail as unsigned.",
        "RFC 6376 §3.6.1: verifiers must not treat messages signed in testing mode "
        "differently from unsigned mail, so the DKIM leg of DMARC does not pass.",
        ("zero._domainkey.example.com", "TXT", f"v=DKIM1; k=rsa; t=y; p={RSA2048}"),
    ),
    _rule(
        "AC805",
        "dkim-misaligned",
        Severity.ERROR,
        "`d=` is not aligned with the author domain under `adkim`.",
        "The DKIM leg of DMARC needs `d=` aligned with the From domain: equal under `adkim=s`, "
        "the same organizational domain under `adkim=r`. The severity follows the policy, "
        "like AC301. Reported once per file, author domain and key.",
        ("zero._domainkey.esp.example.net", "TXT", f"v=DKIM1; k=rsa; p={RSA2048}"),
        failing="envelope: bounces@example.com\n"
        + "mime: |\n  DKIM-Signature: v=1; a=rsa-sha256; d=esp.example.net; s=zero; h=from; "
        "bh=x; b=y\n  From: info@example.com\n\n  hi\n"
        "trackclicks: false\ntrackopens: false\ninlinecss: false\n",
    ),
]


@dataclass
class DkimState:
    keys: dict[str, KeyRecord | str] = field(default_factory=dict)  # parsed, or why not
    reported: set[tuple[str, ...]] = field(default_factory=set)


def key_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain}"


def questions(domains: Domains, models: Sequence[str], settings: Settings) -> Iterator[Question]:
    """The TXT record of every key a send may be signed with (CNAMEs followed)."""
    for name in {key_name(*key) for send in domains.sends for key in send.dkim_keys}:
        yield name, "TXT"


def followups(run: DnsRun, domains: Domains) -> Iterator[Question]:
    return iter(())


def _state(run: DnsRun) -> DkimState:
    return run.kept(__name__, DkimState, DkimState)


def _subjects(send: DnsSend) -> Iterator[tuple[str, str, str, str | None]]:
    """Per key: the selector, d=, the key's subject, and its alignment's (with an author)."""
    author = send.author_domain
    for selector, domain in send.dkim_keys:
        name = key_name(selector, domain)
        align = None if author is None else f"dkim:{name} for {author}"
        yield selector, domain, f"dkim:{name}", align


def shared(send: DnsSend) -> tuple[str, ...]:
    """What the DKIM findings reported once per file and key (and author) are about."""
    return tuple(s for *_, key, align in _subjects(send) for s in (key, align) if s)


def check(send: DnsSend, run: DnsRun) -> Iterator[Problem]:
    state = _state(run)
    pos = send.author_pos
    for selector, domain, key, align in _subjects(send):
        name = key_name(selector, domain)
        if (send.path, key) not in state.reported:
            state.reported.add((send.path, key))
            yield from about(key, _key_problems(run, name, pos))
        author = send.author_domain
        if author is not None and align is not None and (send.path, align) not in state.reported:
            state.reported.add((send.path, align))
            yield from about(align, _aligned(send, run, author, domain, name, pos))


def _key_problems(run: DnsRun, name: str, pos: Pos) -> Iterator[Problem]:
    from aligncheck.dkim.key import GOOD_RSA_BITS, MIN_RSA_BITS, parse
    from aligncheck.resolver import Failure

    answer = run.lookup.answer(name, "TXT")
    if answer is None or answer.failed:
        yield failure_problem(Failure(name, "TXT", answer), pos, f"the DKIM checks of `{name}`")
        return
    if answer.kind != "records":
        where = "does not exist" if answer.kind == "nxdomain" else "has no TXT record"
        yield Problem("AC800", pos, f"DKIM key `{name}` {where}: signatures with it cannot verify")
        return
    if len(answer.records) > 1:
        yield Problem(
            "AC801",
            pos,
            f"`{name}` has {len(answer.records)} TXT records: verifiers may pick any of them",
        )
    for text in answer.records:
        record = parse(text)
        short = text if len(text) <= 60 else text[:57] + "..."
        if record.problems:
            yield Problem(
                "AC801", pos, f"DKIM key `{name}` (`{short}`): {'; '.join(record.problems)}"
            )
        if record.revoked:
            yield Problem("AC802", pos, f"DKIM key `{name}` is revoked (`p=` is empty)")
        if record.bits is not None and record.bits < GOOD_RSA_BITS:
            severity = Severity.ERROR if record.bits < MIN_RSA_BITS else Severity.WARNING
            yield Problem(
                "AC803",
                pos,
                f"DKIM key `{name}` is a {record.bits}-bit RSA key "
                + (
                    f"(under {MIN_RSA_BITS}: verifiers reject it)"
                    if record.bits < MIN_RSA_BITS
                    else f"(RFC 8301: use at least {GOOD_RSA_BITS})"
                ),
                severity,
            )
        if record.testing:
            yield Problem(
                "AC804",
                pos,
                f"DKIM key `{name}` has `t=y`: receivers treat the mail as unsigned",
            )


def _aligned(
    send: DnsSend, run: DnsRun, author: str, domain: str, name: str, pos: Pos
) -> Iterator[Problem]:
    from aligncheck.resolver import Failure
    from aligncheck.rules.outcome import carried_by
    from aligncheck.rules.policy import alignments, per_model

    found = alignments(run, author, domain, tag="adkim")
    if isinstance(found, Failure):
        return  # the DMARC checks report the failed lookup
    misaligned = [(d, a) for d, a in found if not a.aligned]
    if not misaligned:
        return
    enforcing = [d.model for d, _ in misaligned if d.effective in ("quarantine", "reject")]
    carried = carried_by(send, run, enforcing, "SPF") if enforcing else None
    reasons = per_model((str(a.why_not), d.model) for d, a in misaligned)
    yield Problem(
        "AC805",
        pos,
        f"DKIM key `{name}` signs with d=`{domain}`, not aligned with author domain "
        f"`{author}`: {reasons}" + (f"; {carried}" if carried else ""),
        Severity.ERROR if enforcing and not carried else Severity.WARNING,
    )


def key_state(run: DnsRun, selector: str, domain: str) -> str:
    """What the DKIM leg makes of one key: `pass` (a key verifiers use), `fail` (missing,
    revoked, invalid, under 1024 bits, `t=y`), or `unknown` (a failed lookup, or several
    records of which some are good: verifiers may pick any)."""
    return key_verdict(run, selector, domain)[0]


def key_verdict(run: DnsRun, selector: str, domain: str) -> tuple[str, str]:
    """`key_state` and why, for people (`DKIM key `x._domainkey.example.com` is revoked`)."""
    from aligncheck.dkim.key import MIN_RSA_BITS, parse

    name = key_name(selector, domain)
    answer = run.lookup.answer(name, "TXT")
    if answer is None or answer.failed:
        return "unknown", f"the lookup of DKIM key `{name}` failed"
    if answer.kind != "records":
        return "fail", f"DKIM key `{name}` does not exist"
    why = []
    for record in (parse(text) for text in answer.records):
        if record.revoked:
            why.append("is revoked")
        elif not record.usable:
            why.append("is invalid")
        elif (record.bits or MIN_RSA_BITS) < MIN_RSA_BITS:
            why.append(f"is a {record.bits}-bit key")
        elif record.testing:
            why.append("is in testing (t=y)")
    if not why:
        if len(answer.records) == 1:
            return "pass", f"DKIM key `{name}` is valid"
        return "unknown", f"DKIM key `{name}` has {len(answer.records)} records"
    said = f"DKIM key `{name}` {' and '.join(dict.fromkeys(why))}"
    return ("fail", said) if len(why) == len(answer.records) else ("unknown", said)
