"""The audit as GitHub-flavoured Markdown: for a pull-request comment or
`$GITHUB_STEP_SUMMARY`. Tables only, no HTML; every value taken from files or DNS is escaped
so it reads as text (a `|` cannot split a cell, a `<script>` stays visible)."""

from __future__ import annotations

import re
from typing import Any

from aligncheck.audit.data import OUTCOMES, Document, effective, per_model, plural, shortened
from aligncheck.resolver.answers import no_record_text
from aligncheck.spf.lint import count_text

FIX_FIRST_SHOWN = 10
NONE = "\N{EN DASH}"  # an empty cell
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$])")  # what inline Markdown or GFM tables read


def text(value: Any) -> str:
    """A value as literal Markdown text on one line (inline markup escaped)."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    flat = " ".join(str(value).split())
    return _SPECIAL.sub(r"\\\1", flat) if flat else NONE


class _Raw(str):
    """A cell already in Markdown (our own markup around escaped values)."""


def _row(*cells: Any) -> str:
    return "| " + " | ".join(c if isinstance(c, _Raw) else text(c) for c in cells) + " |"


def _table(header: tuple[str, ...], rows: list[str], right: int = 0) -> list[str]:
    """A table; the last `right` columns are numbers, aligned right."""
    rule = ["---"] * (len(header) - right) + ["--:"] * right
    return ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |", *rows, ""]


def render(doc: Document) -> str:
    lines = ["# aligncheck audit", ""]
    domains = doc["domains"]
    lines.append(
        f"{plural(doc['sends'], 'send')} in {plural(doc['files'], 'file')}, "
        f"{plural(len(domains), 'author domain')}; "
        f"models: {', '.join(doc['models'])}."
        + (
            ""
            if doc["dns"] or not doc["sends"]
            else " DNS was not asked (offline): every outcome is unknown."
        )
    )
    lines.append("")
    lines += _table(
        ("Outcome", "Sends"), [_row(name, doc["totals"][name]) for name in OUTCOMES], right=1
    )
    lines += _fix_first(doc["fix_first"])
    lines += ["## Author domains", ""]
    lines += _table(
        ("Author domain", "Effective policy", *OUTCOMES),
        [
            _row(
                _name(d),
                effective(d),
                *(d["totals"][name] for name in OUTCOMES),
            )
            for d in domains
        ],
        right=len(OUTCOMES),
    )
    for domain in domains:
        lines += _domain(domain)
    for error in doc["errors"]:
        lines.append(f"- error: {text(error)}")
    return "\n".join(lines).rstrip("\n") + "\n"


def _name(domain: Document) -> str:
    return str(domain["domain"]) if domain["domain"] is not None else "(author not known)"


def _fix_first(entries: list[Document]) -> list[str]:
    lines = ["## What to fix first", ""]
    if not entries:
        return [*lines, "No finding stands behind a send that fails or cannot be judged.", ""]
    for number, entry in enumerate(entries[:FIX_FIRST_SHOWN], 1):
        where = ", ".join(entry["where"][:3]) + (" …" if len(entry["where"]) > 3 else "")
        lines.append(
            f"{number}. **{entry['rule']}** {text(entry['name'])} ({entry['severity']}), "
            f"{plural(entry['sends'], 'send')} ({entry['fail']} fail): {text(entry['message'])} "
            f"— {text(where)}"
        )
    if len(entries) > FIX_FIRST_SHOWN:
        lines.append(f"\n…and {len(entries) - FIX_FIRST_SHOWN} more in the JSON report.")
    return [*lines, ""]


def _domain(domain: Document) -> list[str]:
    lines = [f"### {text(_name(domain))}", ""]
    if domain["policy"]:
        lines += ["DMARC policy:", ""]
        lines += _table(
            ("Model", "Record", "p", "sp", "np", "aspf", "adkim", "t", "Org. domain", "Effective"),
            [
                _row(
                    e["model"],
                    e["failure"] or e["record"] or "none",
                    e["p"],
                    e["sp"],
                    e["np"],
                    e["aspf"],
                    e["adkim"],
                    e["t"],
                    e["org_domain"],
                    e["effective"] or "no policy",
                )
                for e in domain["policy"]
            ],
        )
        if domain["models_disagree"]:
            lines += [f"The models disagree on: {text(', '.join(domain['models_disagree']))}.", ""]
    elif domain["policy_unknown"]:
        lines += [f"DMARC policy: unknown ({text(domain['policy_unknown'])}).", ""]
    if domain["mail_from"]:
        lines += ["MAIL FROM domains:", ""]
        lines += _table(
            ("Domain", "Kind", "Aligned", "SPF record", "Lookups", "Results", "SPF leg"),
            [_mail_from_row(m) for m in domain["mail_from"]],
        )
    if domain["dkim"]:
        lines += ["DKIM keys:", ""]
        lines += _table(
            ("Key", "State", "Aligned", "Record"),
            [
                _row(
                    k["key"],
                    k["state"],
                    _Raw(_per_model(k["aligned"])),
                    shortened(k["record"]) or no_record_text(k.get("answer")),
                )
                for k in domain["dkim"]
            ],
        )
    lines += ["Sends:", ""]
    lines += _table(
        ("Send", "MAIL FROM", "Outcome", "Findings"),
        [
            _row(
                f"{s['path']}:{s['line']}",
                s["mail_from"]["domain"] or s["mail_from"]["kind"],
                s["overall"] + (f" ({s['why_not']})" if s["why_not"] else ""),
                ", ".join(sorted({f["rule"] for f in s["findings"]})) or "none",
            )
            for s in domain["sends"]
        ],
    )
    return lines


def _per_model(values: dict[str, Any]) -> str:
    return per_model(values, text)


def _mail_from_row(entry: Document) -> str:
    spf = entry["spf"]
    results = ", ".join(f"{r['ip']} {r['result']}" for r in spf["results"]) if spf else None
    return _row(
        entry["domain"],
        entry["kind"],
        _Raw(_per_model(entry["aligned"])),
        spf["record"] if spf else None,
        count_text(spf["lookups"], spf["lookups_complete"]) if spf else None,
        results or ("no sending host known" if spf else None),
        _Raw(_per_model(entry.get("leg", {}))),
    )
