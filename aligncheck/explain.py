"""`aligncheck explain`: the discovery steps, records, org domains and verdict per model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aligncheck.dmarc.alignment import Alignment, OrgDomainOf, align, org_domain_finder
from aligncheck.dmarc.discovery import Discovery, discover
from aligncheck.resolver import AnswerTable, Failure, snapshot
from aligncheck.resolver.answers import no_record_text
from aligncheck.settings import Settings, models_in_force

if TYPE_CHECKING:
    from aligncheck.send import DnsSend
    from aligncheck.spf.summary import Summary


@dataclass(frozen=True)
class ModelExplanation:
    model: str
    discovery: Discovery | None
    failure: str | None
    alignment: Alignment | None = None  # the envelope's, when one is given

    @property
    def aligned(self) -> bool | None:
        return None if self.alignment is None else self.alignment.aligned

    def as_dict(self) -> dict[str, Any]:
        d, a = self.discovery, self.alignment
        return {
            "model": self.model,
            "failure": self.failure,
            "steps": list(d.steps) if d else [],
            "org_domain": d.org_domain if d else None,
            "policy_domain": d.policy_domain if d else None,
            "effective_policy": d.effective if d else None,
            "aspf": d.aspf if d else None,
            "envelope_org_domain": a.org_domain if a else None,
            "envelope_steps": [a.found_by] if a and a.found_by else [],
            "aligned": self.aligned,
            "records": self.records(),
        }

    def records(self) -> list[dict[str, Any]]:
        """Every DMARC record and near miss this model read, with its errors and the
        reading this model's receivers apply."""
        from aligncheck.dmarc.record import near_miss_reason

        found: list[dict[str, Any]] = []
        for state in self.discovery.examined if self.discovery else ():
            name = f"_dmarc.{state.domain}"
            for record in state.records:
                found.append(
                    {
                        "name": name,
                        "text": record.text,
                        "problems": list(record.problems),
                        "reading": record.reading(self.model),
                        "misspelt_tags": [w for w, _ in record.misspellings()],
                    }
                )
            for text in state.near_misses:
                found.append(
                    {
                        "name": name,
                        "text": text,
                        "problems": [f"ignored by receivers: {near_miss_reason(text)}"],
                        "reading": "not a DMARC record",
                        "misspelt_tags": [],
                    }
                )
        return found


def explain(
    domain: str, envelope: str | None, settings: Settings, answers: AnswerTable
) -> list[ModelExplanation]:
    """Explain DMARC for an author domain (normalized) and an optional envelope domain."""
    models = models_in_force(settings.model)
    org_of = org_domain_finder(answers, settings.psl_private)
    return [
        _one(model, domain, envelope, org_of, answers, settings.psl_private) for model in models
    ]


def answers_for(send: DnsSend, settings: Settings) -> AnswerTable:
    """Every answer `explain` shows, asked once: from the snapshot, else in the rounds of a
    check of this one send (DMARC, SPF, DKIM)."""
    from aligncheck.engine import dns_rounds
    from aligncheck.rules.context import Domains

    if settings.snapshot is not None:
        return snapshot.load(settings.snapshot)
    return dns_rounds(Domains.of([send]), models_in_force(settings.model), settings)[0]


def _one(
    model: str,
    domain: str,
    envelope: str | None,
    org_of: OrgDomainOf,
    answers: AnswerTable,
    psl_private: bool,
) -> ModelExplanation:
    found = discover(model, answers, domain, psl_private)
    if isinstance(found, Failure):
        return ModelExplanation(model, None, str(found))
    if envelope is None:
        return ModelExplanation(model, found, None)
    alignment = align(found, envelope, org_of)
    if isinstance(alignment, Failure):
        return ModelExplanation(model, found, str(alignment))
    return ModelExplanation(model, found, None, alignment)


def spf_section(
    send: DnsSend, settings: Settings, answers: AnswerTable
) -> tuple[str, Summary] | None:
    """The SPF of the send's MAIL FROM (the envelope, else the profile's bounce host),
    checked for the hosts the settings know. None when the MAIL FROM is not known."""
    from aligncheck.rules.spf import first_address, sender_of
    from aligncheck.spf import summary

    mail_from = send.mail_from.domain
    if mail_from is None:
        return None
    hosts = [first_address(host) for host in send.hosts]
    found = summary.gather(mail_from, hosts, sender_of(send), "", settings, answers)
    return mail_from, found


def as_json(domain: str, envelope: str | None, results: list[ModelExplanation]) -> dict[str, Any]:
    """`explain --format json`."""
    return {
        "domain": domain,
        "envelope_domain": envelope,
        "models": [result.as_dict() for result in results],
    }


def render_text(domain: str, envelope: str | None, results: list[ModelExplanation]) -> str:
    lines = [f"author domain: {domain}"] + ([f"envelope domain: {envelope}"] if envelope else [])
    for result in results:
        lines.append(f"\n[{result.model}]")
        d = result.discovery
        if d is not None:
            lines += [f"  {step}" for step in d.steps]
            for record in result.records():
                if record["problems"] or record["misspelt_tags"]:
                    lines.append(f"  {record['name']} `{record['text']}`:")
                    lines += [f"    error: {problem}" for problem in record["problems"]]
                    lines += [
                        f"    unknown tag `{tag}` (ignored by receivers)"
                        for tag in record["misspelt_tags"]
                    ]
                    lines.append(f"    receivers read it as {record['reading']}")
            lines.append(f"  organizational domain: {d.org_domain}")
            lines.append(
                f"  effective policy: {d.effective or 'no DMARC policy applies'}; aspf={d.aspf}"
            )
        if result.failure:
            lines.append(f"  lookup failed: {result.failure}")
        a = result.alignment
        if a is not None:
            if a.org_domain:
                lines.append(f"  envelope organizational domain: {a.org_domain} ({a.found_by})")
            verdict = "aligned" if a.aligned else "NOT aligned"
            lines.append(f"  verdict: {verdict} ({a.mode})")
    return "\n".join(lines) + "\n"


def as_send(
    domain: str, envelope: str | None, settings: Settings, selectors: tuple[str, ...] = ()
) -> DnsSend:
    """The send `explain` is about, as the DNS rules see one: the author, the MAIL FROM (the
    envelope, else the profile's bounce host), the hosts and the DKIM keys (`--dkim-selector`
    with d= the author domain, else the profile's selectors)."""
    from aligncheck.addresses import parse_envelope
    from aligncheck.findings import Pos
    from aligncheck.send import DnsSend, Envelope, MailFrom

    start = Pos(1, 1)
    profile = settings.profile(domain)
    parsed = None
    if envelope is not None:
        mailbox = parse_envelope(envelope)
        parsed = Envelope(start, envelope, mailbox)
        mail_from = MailFrom("envelope", mailbox.domain, start)
    elif profile is not None and profile.bounce_host is not None:
        mail_from = MailFrom("bounce-host", profile.bounce_host, start)
    else:
        mail_from = MailFrom("unknown", None, start)
    if selectors:
        keys = tuple((s.lower(), domain) for s in selectors)
    elif profile is not None:
        keys = tuple((s, profile.signing_domain) for s in profile.dkim_selectors)
    else:
        keys = ()
    return DnsSend(
        "<explain>", 0, domain, start, parsed, None, 1, mail_from, settings.hosts_for(profile), keys
    )


def outcome_section(send: DnsSend, settings: Settings, answers: AnswerTable) -> dict[str, Any]:
    """The DKIM keys and the DMARC outcome per model (JSON form; text from `outcome_lines`)."""
    from aligncheck.rules.context import DnsRun
    from aligncheck.rules.dkim import key_name, key_state
    from aligncheck.rules.outcome import dkim_leg, outcome, spf_leg

    models = models_in_force(settings.model)
    run = DnsRun(answers, models, settings)
    keys = [
        {"key": key_name(s, d), "state": key_state(run, s, d), **_record(answers, s, d)}
        for s, d in send.dkim_keys
    ]
    return {
        "dkim": keys,
        "outcome": {
            model: {
                "outcome": outcome(send, run, model),
                "spf": spf_leg(send, run, model).why,
                "dkim": dkim_leg(send, run, model).why,
            }
            for model in models
        },
    }


def _record(answers: AnswerTable, selector: str, domain: str) -> dict[str, str | None]:
    """The key name's TXT records (each cut to 70 characters) and what DNS answered: `records`,
    `nxdomain`, `nodata` or `failure` (None when it was not asked)."""
    from aligncheck.rules.dkim import key_name

    answer = answers.answer(key_name(selector, domain), "TXT")
    if answer is None or answer.kind != "records":
        return {"record": None, "answer": None if answer is None else answer.kind}
    shown = " | ".join(text if len(text) <= 70 else text[:67] + "..." for text in answer.records)
    return {"record": shown, "answer": answer.kind}


def outcome_lines(section: dict[str, Any]) -> list[str]:
    lines = []
    if section["dkim"]:
        lines.append("\n[dkim]")
        for key in section["dkim"]:
            shown = key["record"] or no_record_text(key["answer"])
            lines.append(f"  {key['key']}: {key['state']} ({shown})")
    lines.append("\n[outcome]")
    for model, found in section["outcome"].items():
        lines.append(f"  {model}: {found['outcome']}")
        lines.append(f"    SPF leg: {found['spf']}")
        lines.append(f"    DKIM leg: {found['dkim']}")
    return lines
