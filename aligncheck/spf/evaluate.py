"""RFC 7208 `check_host()` over answers gathered beforehand.

Pure: the evaluation reads answers through the `Lookup` interface and raises `NeedAnswers`
with the questions it cannot go on without; the caller asks them (all checks of a run at
once, in rounds) and evaluates again. The evaluation is lazy, as receivers evaluate it: it
stops at the first matching mechanism.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from aligncheck.resolver import Answer, Lookup, Question
from aligncheck.spf.macro import Context, MacroError, expand, parse_macro_string
from aligncheck.spf.record import Mechanism, SpfRecord, SpfSyntaxError, is_spf, parse

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_LOOKUPS = 10  # DNS-querying terms (§4.6.4)
MAX_VOIDS = 2
MAX_MX = 10
MAX_PTR = 10


class NeedAnswers(Exception):
    """The evaluation cannot go on without these answers."""

    def __init__(self, questions: set[Question]) -> None:
        super().__init__(f"{len(questions)} question(s) to ask")
        self.questions = questions


class _Final(Exception):
    """permerror or temperror: the check ends here."""

    def __init__(self, result: str, reason: str, term: str | None = None) -> None:
        super().__init__(reason)
        self.result = result
        self.reason = reason
        self.term = term


@dataclass(frozen=True)
class Outcome:
    result: str  # pass fail softfail neutral none permerror temperror
    term: str | None  # the deciding term as written
    domain: str  # the domain whose record decided
    reason: str  # for people
    explanation: str | None = None  # `exp=` text (or the default) for fail
    lookups: int = 0
    voids: int = 0


def qname(name: str) -> str:
    """A domain name for a question (DNS presentation form, no trailing dot)."""
    return name.rstrip(".")


def valid_domain(name: str) -> bool:
    """§4.3: a fully qualified name of labels of 1 to 63 octets, 253 octets at most."""
    name = name[:-1] if name.endswith(".") else name
    labels = name.split(".")
    return (
        len(labels) > 1
        and len(name.encode("utf-8", "replace")) <= 253
        and all(0 < len(label.encode("utf-8", "replace")) <= 63 for label in labels)
    )


def client_ip(text: str) -> IPAddress:
    """The connecting host; an IPv4-mapped IPv6 address is its IPv4 address (§5)."""
    ip = ipaddress.ip_address(text)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def check_host(lookup: Lookup, ip: IPAddress, domain: str, sender: str, helo: str = "") -> Outcome:
    """check_host(<ip>, <domain>, <sender>) (§4). `sender` is `local@domain`; an empty
    local part is `postmaster` (§4.3). Raises NeedAnswers."""
    local, at, sender_domain = sender.rpartition("@")
    if not at:
        local, sender_domain = "postmaster", sender
    sender = f"{local or 'postmaster'}@{sender_domain}"
    if not valid_domain(domain):
        return Outcome("none", None, domain, f"`{domain}` is not a valid domain name")
    run = _Check(lookup, ip, sender, helo)
    try:
        outcome = run.host(domain)
    except _Final as final:
        outcome = Outcome(final.result, final.term, domain, final.reason)
    return Outcome(
        outcome.result,
        outcome.term,
        outcome.domain,
        outcome.reason,
        outcome.explanation,
        run.lookups,
        run.voids,
    )


def spf_records(answer: Answer) -> list[str]:
    return [text for text in answer.records if is_spf(text)] if answer.kind == "records" else []


@dataclass
class _Check:
    lookup: Lookup
    ip: IPAddress
    sender: str
    helo: str
    lookups: int = 0
    voids: int = 0
    validated: dict[str, str] = field(default_factory=dict)

    # -- DNS -----------------------------------------------------------------------------

    def answer(self, name: str, rdtype: str) -> Answer:
        question = (qname(name), rdtype)
        answer = self.lookup.answer(*question)
        if answer is None:
            raise NeedAnswers({question})
        return answer

    def answers(self, names: list[tuple[str, str]]) -> list[Answer]:
        """Several answers at once: every missing one is asked in the same round."""
        missing = {(qname(n), t) for n, t in names if self.lookup.answer(qname(n), t) is None}
        if missing:
            raise NeedAnswers(missing)
        return [self.answer(n, t) for n, t in names]

    def count(self, term: str) -> None:
        self.lookups += 1
        if self.lookups > MAX_LOOKUPS:
            raise _Final("permerror", f"more than {MAX_LOOKUPS} DNS-querying terms", term)

    def void(self, answer: Answer, term: str) -> bool:
        if answer.kind in ("nxdomain", "nodata"):
            self.voids += 1
            if self.voids > MAX_VOIDS:
                raise _Final("permerror", f"more than {MAX_VOIDS} void lookups", term)
            return True
        return False

    def failed(self, answer: Answer, name: str, rdtype: str, term: str | None) -> None:
        if answer.failed:
            raise _Final("temperror", f"{rdtype} lookup of `{name}` failed: {answer.error}", term)

    # -- check_host ----------------------------------------------------------------------

    def record(self, domain: str) -> SpfRecord | None:
        answer = self.answer(domain, "TXT")
        self.failed(answer, domain, "TXT", None)
        found = spf_records(answer)
        if not found:
            return None
        if len(found) > 1:
            raise _Final("permerror", f"`{domain}` publishes {len(found)} SPF records")
        try:
            return parse(found[0])
        except SpfSyntaxError as exc:
            raise _Final(
                "permerror", f"syntax error in `{domain}`'s record: {exc}", exc.term
            ) from None

    def host(self, domain: str) -> Outcome:
        record = self.record(domain)
        if record is None:
            return Outcome("none", None, domain, f"no SPF record at `{domain}`")
        context = self.context(domain)
        for mechanism in record.mechanisms:
            if self.matches(mechanism, domain, context):
                explanation = None
                if mechanism.result == "fail":
                    explanation = self.explanation(record, context)
                return Outcome(
                    mechanism.result,
                    mechanism.text,
                    domain,
                    f"`{mechanism.text}` matched in `{domain}`",
                    explanation,
                )
        redirect = record.redirect
        if redirect is not None and not record.has_all:
            self.count(redirect.text)
            target = self.target(redirect.value, context, redirect.text)
            if not valid_domain(target):
                raise _Final("permerror", f"redirect to an invalid name `{target}`", redirect.text)
            outcome = self.host(target)
            if outcome.result == "none":
                raise _Final(
                    "permerror", f"redirect target `{target}` has no SPF record", redirect.text
                )
            return outcome
        return Outcome("neutral", None, domain, f"no mechanism of `{domain}` matched")

    def context(self, domain: str) -> Context:
        return Context(self.sender, domain, self.ip, self.helo)

    def target(self, spec: str | None, context: Context, term: str) -> str:
        if spec is None:
            return context.domain
        try:
            expanded = expand(parse_macro_string(spec), self.with_validated(spec, context))
        except MacroError as exc:  # the record parsed, so this cannot happen
            raise _Final("permerror", str(exc), term) from None
        return _shorten(expanded)

    def with_validated(self, spec: str, context: Context) -> Context:
        """%{p} needs the validated name of the client, asked only where a macro uses it."""
        if "%{p" not in spec.lower():
            return context
        return Context(
            context.sender, context.domain, context.ip, context.helo, self.validated_name(context)
        )

    def matches(self, mechanism: Mechanism, domain: str, context: Context) -> bool:
        name, term = mechanism.name, mechanism.text
        if name == "all":
            return True
        if name in ("ip4", "ip6"):
            assert mechanism.network is not None
            return self.ip.version == mechanism.network.version and self.ip in mechanism.network
        self.count(term)
        target = self.target(mechanism.target, context, term)
        if name == "include":
            return self.include(target, term)
        if not valid_domain(target):
            return False
        if name == "a":
            return self.address_match(target, mechanism, term, count_void=True)
        if name == "mx":
            return self.mx(target, mechanism, term)
        if name == "exists":
            answer = self.answer(target, "A")
            self.failed(answer, target, "A", term)
            return not self.void(answer, term)
        return self.ptr(target, term)

    def include(self, target: str, term: str) -> bool:
        if not valid_domain(target):
            raise _Final("permerror", f"include of an invalid name `{target}`", term)
        outcome = self.host(target)
        if outcome.result == "pass":
            return True
        if outcome.result in ("fail", "softfail", "neutral"):
            return False
        if outcome.result == "none":
            raise _Final("permerror", f"included `{target}` has no SPF record", term)
        raise _Final(outcome.result, outcome.reason, outcome.term or term)

    def address_match(self, name: str, mechanism: Mechanism, term: str, count_void: bool) -> bool:
        rdtype = "A" if self.ip.version == 4 else "AAAA"
        answer = self.answer(name, rdtype)
        self.failed(answer, name, rdtype, term)
        if count_void:
            self.void(answer, term)
        return any(self.within(address, mechanism) for address in answer.records)

    def within(self, address: str, mechanism: Mechanism) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if ip.version != self.ip.version:
            return False
        length = mechanism.cidr4 if ip.version == 4 else mechanism.cidr6
        return self.ip in ipaddress.ip_network(f"{ip}/{length}", strict=False)

    def mx(self, target: str, mechanism: Mechanism, term: str) -> bool:
        answer = self.answer(target, "MX")
        self.failed(answer, target, "MX", term)
        if self.void(answer, term):
            return False
        if len(answer.records) > MAX_MX:
            raise _Final("permerror", f"`{target}` has more than {MAX_MX} MX records", term)
        hosts = [exchange(record) for record in answer.records]
        hosts = [host for host in hosts if host]
        rdtype = "A" if self.ip.version == 4 else "AAAA"
        for host, found in zip(hosts, self.answers([(h, rdtype) for h in hosts]), strict=True):
            self.failed(found, host, rdtype, term)
            if any(self.within(address, mechanism) for address in found.records):
                return True
        return False

    def validated_names(self) -> list[str]:
        """§5.5: the client's PTR names (10 at most) whose address records hold the client."""
        reverse = self.ip.reverse_pointer
        answer = self.answer(reverse, "PTR")
        if answer.kind != "records":
            return []
        names = [record.rstrip(".") for record in answer.records[:MAX_PTR]]
        rdtype = "A" if self.ip.version == 4 else "AAAA"
        found = self.answers([(name, rdtype) for name in names])
        validated = []
        for name, addresses in zip(names, found, strict=True):
            if any(_same(address, self.ip) for address in addresses.records):
                validated.append(name)
        return validated

    def ptr(self, target: str, term: str) -> bool:
        reverse = self.ip.reverse_pointer
        answer = self.answer(reverse, "PTR")
        if answer.failed:
            return False  # §5.5: a DNS error here means no match
        if self.void(answer, term):
            return False
        target = target.lower().rstrip(".")
        return any(
            name.lower() == target or name.lower().endswith("." + target)
            for name in self.validated_names()
        )

    def validated_name(self, context: Context) -> str:
        key = str(self.ip)
        if key not in self.validated:
            names = self.validated_names()
            domain = context.domain.lower()
            best = next((n for n in names if n.lower() == domain), None)
            best = best or next((n for n in names if n.lower().endswith("." + domain)), None)
            self.validated[key] = best or (names[0] if names else "unknown")
        return self.validated[key]

    def explanation(self, record: SpfRecord, context: Context) -> str | None:
        """§6.2: the `exp=` text for a fail, or None when there is none or it cannot be had
        (errors in fetching or expanding it are ignored)."""
        exp = record.exp
        if exp is None:
            return None
        try:
            target = _shorten(expand(parse_macro_string(exp.value), context))
        except MacroError:
            return None
        if not valid_domain(target):
            return None
        answer = self.answer(target, "TXT")
        if answer.kind != "records" or len(answer.records) != 1:
            return None
        try:
            parts = parse_macro_string(answer.records[0], explanation=True)
            return expand(parts, self.with_validated(answer.records[0], context))
        except MacroError:
            return None


def exchange(record: str) -> str:
    """The host of an MX record (`10 mx.example.com.`); "" for the null MX."""
    host = record.partition(" ")[2].strip().rstrip(".")
    return host


def _same(address: str, ip: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(address) == ip
    except ValueError:
        return False


def _shorten(name: str) -> str:
    """§7.3: an expanded name over 253 octets loses labels from the left."""
    name = name.rstrip(".")
    while len(name) > 253 and "." in name:
        name = name.split(".", 1)[1]
    return name
