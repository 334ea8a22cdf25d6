"""The audit as one self-contained HTML file: inline CSS and SVG, no script, nothing loaded
from anywhere (a Content-Security-Policy says so to the browser too). Each author domain is
a row with a stacked bar of its sends' outcomes, and a `<details>` a reader opens for the
policy, MAIL FROM domains, DKIM keys and sends. Everything from files and DNS is escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from aligncheck.audit.data import OUTCOMES, Document, effective, per_model, plural, shortened
from aligncheck.resolver.answers import no_record_text
from aligncheck.spf.lint import count_text

COLORS = {
    "pass (SPF, DKIM)": "#1a7f37",
    "pass (SPF)": "#4ac26b",
    "pass (DKIM)": "#2da3a3",
    "unknown": "#9a6700",
    "fail": "#cf222e",
}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; }
body { margin: 0 auto; padding: 1rem; max-width: 72rem; line-height: 1.45; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
table { border-collapse: collapse; margin: .25rem 0 .75rem; font-size: .875rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left;
  vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-width: 100%; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: .8125rem; overflow-wrap: anywhere; }
svg.bar { display: block; width: 100%; min-width: 8rem; height: 1rem; }
.legend span { display: inline-block; margin-right: 1rem; white-space: nowrap; }
.swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem;
  vertical-align: -.1rem; }
details { border: 1px solid #d0d7de; border-radius: 6px; margin: .5rem 0; padding: .25rem .75rem; }
summary { cursor: pointer; font-weight: 600; }
.o-fail { color: #cf222e; font-weight: 600; }
.o-unknown { color: #9a6700; font-weight: 600; }
ol li { margin-bottom: .35rem; }
@media (max-width: 40rem) { body { padding: .5rem; } th, td { padding: .2rem .3rem; } }
@media print {
  details::details-content { content-visibility: visible; display: block; }
  summary { list-style: none; }
  .scroll { overflow: visible; }
}
"""


NONE = "\N{EN DASH}"  # an empty cell


def e(value: Any) -> str:
    """A value as HTML text."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape(str(value), quote=True)


def render(doc: Document) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>aligncheck audit</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<h1>aligncheck audit</h1>",
        f"<p>{plural(doc['sends'], 'send')} in {plural(doc['files'], 'file')}, "
        f"{plural(len(doc['domains']), 'author domain')}; models: {e(', '.join(doc['models']))}."
        + (
            ""
            if doc["dns"] or not doc["sends"]
            else " DNS was not asked (offline): every outcome is unknown."
        )
        + "</p>",
        _legend(),
        _bar(doc["totals"], "all sends", "totals"),
        _totals_table(doc["totals"]),
        *_fix_first(doc["fix_first"]),
        "<h2>Author domains</h2>",
        *_overview(doc["domains"]),
        *(part for n, domain in enumerate(doc["domains"], 1) for part in _domain(n, domain)),
        *(f'<p class="o-fail">error: {e(error)}</p>' for error in doc["errors"]),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _legend() -> str:
    items = "".join(
        f'<span><i class="swatch" style="background:{COLORS[name]}"></i>{e(name)}</span>'
        for name in OUTCOMES
    )
    return f'<p class="legend">{items}</p>'


def _bar(totals: dict[str, int], label: str, ident: str) -> str:
    """A stacked bar of the five outcomes (widths in per cent of the sends)."""
    total = sum(totals.values())
    described = ", ".join(f"{name}: {totals[name]}" for name in OUTCOMES)
    rects = []
    x = 0.0
    for name in OUTCOMES:
        count = totals[name]
        width = 100.0 * count / total if total else 0.0
        rects.append(
            f'<rect data-outcome="{e(name)}" data-count="{count}" x="{x:.3f}" y="0" '
            f'width="{width:.3f}" height="10" fill="{COLORS[name]}">'
            f"<title>{e(name)}: {count}</title></rect>"
        )
        x += width
    if not total:
        rects.append('<rect x="0" y="0" width="100" height="10" fill="#d0d7de"></rect>')
    return (
        f'<svg class="bar" data-bar="{e(ident)}" viewBox="0 0 100 10" '
        f'preserveAspectRatio="none" role="img" aria-label="{e(label)}: {e(described)}">'
        + "".join(rects)
        + "</svg>"
    )


def _totals_table(totals: dict[str, int]) -> str:
    rows = "".join(
        f'<tr><td>{_outcome(name)}</td><td class="n">{totals[name]}</td></tr>' for name in OUTCOMES
    )
    return f'<table class="totals"><tr><th>Outcome</th><th class="n">Sends</th></tr>{rows}</table>'


def _outcome(name: str) -> str:
    css = f' class="o-{name}"' if name in ("fail", "unknown") else ""
    return f"<span{css}>{e(name)}</span>"


def _fix_first(entries: list[Document]) -> list[str]:
    parts = ["<h2>What to fix first</h2>"]
    if not entries:
        return [*parts, "<p>No finding stands behind a send that fails or cannot be judged.</p>"]
    parts.append('<ol class="fix-first">')
    for entry in entries[:20]:
        where = ", ".join(entry["where"][:3]) + (" …" if len(entry["where"]) > 3 else "")
        parts.append(
            f"<li><strong>{e(entry['rule'])}</strong> {e(entry['name'])} "
            f"({e(entry['severity'])}), {plural(entry['sends'], 'send')} ({entry['fail']} fail): "
            f"{e(entry['message'])} <small>{e(where)}</small></li>"
        )
    parts.append("</ol>")
    if len(entries) > 20:
        parts.append(f"<p>…and {len(entries) - 20} more in the JSON report.</p>")
    return parts


def _name(domain: Document) -> str:
    return str(domain["domain"]) if domain["domain"] is not None else "(author not known)"


def _anchor(number: int) -> str:
    return f"domain-{number}"


def _overview(domains: list[Document]) -> list[str]:
    head = "".join(f'<th class="n">{e(name)}</th>' for name in OUTCOMES)
    parts = [
        '<div class="scroll"><table class="domains">',
        f"<tr><th>Author domain</th><th>Effective policy</th><th>Outcomes</th>{head}</tr>",
    ]
    for number, domain in enumerate(domains, 1):
        counts = "".join(f'<td class="n">{domain["totals"][name]}</td>' for name in OUTCOMES)
        parts.append(
            f'<tr data-domain="{e(_name(domain))}">'
            f'<td><a href="#{_anchor(number)}">{e(_name(domain))}</a></td>'
            f"<td>{e(effective(domain))}</td>"
            f"<td>{_bar(domain['totals'], _name(domain), 'domain:' + _name(domain))}</td>"
            f"{counts}</tr>"
        )
    parts.append("</table></div>")
    return parts


def _table(header: tuple[str, ...], rows: list[list[str]], cls: str) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table class="{cls}"><tr>{head}</tr>{body}</table></div>'


def _code(value: Any) -> str:
    return NONE if value is None else f"<code>{e(value)}</code>"


def _per_model(values: dict[str, Any]) -> str:
    return per_model(values, e)


def _domain(number: int, domain: Document) -> list[str]:
    totals = ", ".join(f"{name} {domain['totals'][name]}" for name in OUTCOMES)
    parts = [
        f'<details id="{_anchor(number)}" data-domain="{e(_name(domain))}">',
        f"<summary>{e(_name(domain))} <small>({e(totals)})</small></summary>",
    ]
    if domain["policy"]:
        parts.append("<h3>DMARC policy</h3>")
        rows = [
            [
                e(p["model"]),
                e(p["failure"]) if p["failure"] else _code(p["record"] or "none"),
                *(e(p[k]) for k in ("p", "sp", "np", "aspf", "adkim", "t", "org_domain")),
                e(p["effective"] or "no policy"),
            ]
            for p in domain["policy"]
        ]
        header = ("Model", "Record", "p", "sp", "np", "aspf", "adkim", "t", "Org. domain")
        parts.append(_table((*header, "Effective"), rows, "policy"))
        if domain["models_disagree"]:
            parts.append(
                f"<p>The models disagree on: {e(', '.join(domain['models_disagree']))}.</p>"
            )
    elif domain["policy_unknown"]:
        parts.append(f"<p>DMARC policy: unknown ({e(domain['policy_unknown'])}).</p>")
    if domain["mail_from"]:
        parts.append("<h3>MAIL FROM domains</h3>")
        rows = []
        for m in domain["mail_from"]:
            spf = m["spf"]
            results = ", ".join(f"{r['ip']} {r['result']}" for r in spf["results"]) if spf else ""
            rows.append(
                [
                    e(m["domain"]),
                    e(m["kind"]),
                    _per_model(m["aligned"]),
                    _code(spf["record"] if spf else None),
                    e(count_text(spf["lookups"], spf["lookups_complete"]) if spf else None),
                    e(results or ("no sending host known" if spf else None)),
                    _per_model(m.get("leg", {})),
                ]
            )
        columns = ("Domain", "Kind", "Aligned", "SPF record", "Lookups", "Results", "SPF leg")
        parts.append(_table(columns, rows, "mail-from"))
    if domain["dkim"]:
        parts.append("<h3>DKIM keys</h3>")
        rows = [
            [
                e(k["key"]),
                e(k["state"]),
                _per_model(k["aligned"]),
                _code(shortened(k["record"]) or no_record_text(k.get("answer"))),
            ]
            for k in domain["dkim"]
        ]
        parts.append(_table(("Key", "State", "Aligned", "Record"), rows, "dkim"))
    parts.append("<h3>Sends</h3>")
    rows = [
        [
            e(f"{s['path']}:{s['line']}"),
            e(s["mail_from"]["domain"] or s["mail_from"]["kind"]),
            _outcome(s["overall"])
            + (f'<br><small class="why">{e(s["why_not"])}</small>' if s["why_not"] else ""),
            "<br>".join(
                f"{e(f['rule'])} {e(f['severity'])}: {e(f['message'])}" for f in s["findings"]
            )
            or "none",
        ]
        for s in domain["sends"]
    ]
    parts.append(_table(("Send", "MAIL FROM", "Outcome", "Findings"), rows, "sends"))
    parts.append("</details>")
    return parts
