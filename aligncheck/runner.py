"""What each command does once its settings are known: plain functions that write their
output and return the exit status (spec §4), so tests call them without a subprocess."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import click

from aligncheck.errors import AligncheckError
from aligncheck.findings import Report
from aligncheck.plan import RunPlan
from aligncheck.settings import Settings


def use_color(choice: str, output_file: str | None) -> bool:
    """`always` and `never` as said; `auto` on a terminal unless NO_COLOR is set."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or output_file:
        return False
    return sys.stdout.isatty()


def exit_status(report: Report, settings: Settings) -> int:
    if report.errors:
        return 2
    if settings.exit_zero:
        return 0
    return 1 if any(f.severity >= settings.fail_on for f in report.findings) else 0


def _write(text: str, output_file: str | None, color: bool = False) -> None:
    if output_file:
        try:
            Path(output_file).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise AligncheckError(f"cannot write {output_file}: {exc.strerror}") from None
    else:
        click.echo(text, nl=False, color=color)


def stream(data: bytes | None) -> BinaryIO | None:
    import io

    return None if data is None else io.BytesIO(data)


def run_check(plan: RunPlan) -> int:
    """Check (fixing first with --fix, or showing the fixes with --diff), write the report,
    and return the exit status."""
    from aligncheck.parallel import frozen

    with frozen():  # what each phase keeps is left out of the later phases' collections
        return _run_check(plan)


def _run_check(plan: RunPlan) -> int:
    from aligncheck.engine import check_plan

    settings = plan.settings
    stdin = None  # read once when fixing: it is fixed, then checked again
    if (settings.fix or settings.diff) and plan.reads_stdin:
        stdin = sys.stdin.buffer.read()
    left_out = sys.stdin.buffer.read() if plan.stdin_left_out else None  # read, not checked
    report = check_plan(plan, stream(stdin))
    if settings.diff:
        from aligncheck.fixing import show_fixes

        return show_fixes(plan, report, stdin)
    fixed_stdin = None
    if settings.fix:
        from aligncheck.fixing import fix

        report, fixed_stdin = fix(plan, report, stdin)
        if left_out is not None:
            fixed_stdin = left_out  # written back as it came
    if settings.write_baseline is not None:
        from aligncheck import baseline

        entries = baseline.write(report.findings, settings.write_baseline)
        click.echo(
            f"aligncheck: wrote {entries} baseline entries ({len(report.findings)} findings) "
            f"to {settings.write_baseline}",
            err=True,
        )
        for error in report.errors:
            click.echo(f"aligncheck: error: {error}", err=True)
        return 2 if report.errors else 0
    if settings.baseline is not None:
        from aligncheck import baseline

        report = baseline.apply(report, baseline.load(settings.baseline), _ran(settings))
    fixable = sum(1 for finding in report.findings if finding.edit is not None)
    if fixable and not settings.fix:
        hint = f"{fixable} finding{'s' * (fixable != 1)} fixable with `--fix` (`--diff` shows how)"
        report = replace(report, notes=(*report.notes, hint))
    if fixed_stdin is not None:  # `--fix -`: the fixed text on stdout, the report on stderr
        sys.stdout.buffer.write(fixed_stdin)
        sys.stdout.flush()
    _report(report, settings, to_stderr=fixed_stdin is not None)
    return exit_status(report, settings)


def _ran(settings: Settings) -> Callable[[str], bool]:
    """Whether a rule ran in this run (see `Selection.ran`); a code the baseline holds that
    is no rule (any more) did not."""
    from aligncheck.rules import RULES
    from aligncheck.selection import Selection

    selection = Selection(settings.select, settings.ignore)
    return lambda code: code in RULES and selection.ran(code, not settings.offline)


def _report(report: Report, settings: Settings, to_stderr: bool = False) -> None:
    from aligncheck.report import reporter
    from aligncheck.report import text as text_report

    color = use_color(settings.color, settings.output_file) and not to_stderr
    if settings.output_format == "text" and settings.statistics:
        rendered = text_report.statistics(report, quiet=settings.quiet)
    elif settings.output_format == "text":
        rendered = text_report.render(report, color=color, quiet=settings.quiet)
    else:
        rendered = reporter(settings.output_format)(report, color=color)
    if to_stderr and not settings.output_file:
        click.echo(rendered, nl=False, err=True)
    else:
        _write(rendered, settings.output_file, color)
    if not settings.quiet:
        for note in report.notes:
            click.echo(f"aligncheck: {note}", err=True)
    for error in report.errors:
        click.echo(f"aligncheck: error: {error}", err=True)


def run_audit(plan: RunPlan, output_format: str) -> int:
    """Check, lay the result out as the audit report, and return the exit status of
    `check`."""
    from aligncheck.audit.data import audit
    from aligncheck.parallel import frozen

    with frozen():  # as for `check`
        document, report = audit(plan)
    if output_format == "json":
        from aligncheck.audit import jsonout

        rendered = jsonout.render(document)
    elif output_format == "html":
        from aligncheck.audit import html

        rendered = html.render(document)
    else:
        from aligncheck.audit import markdown

        rendered = markdown.render(document)
    _write(rendered, plan.settings.output_file)
    for note in report.notes:
        click.echo(f"aligncheck: {note}", err=True)
    for error in report.errors:
        click.echo(f"aligncheck: error: {error}", err=True)
    return exit_status(report, plan.settings)


def run_explain(
    domain: str,
    envelope: str | None,
    envelope_domain: str | None,
    settings: Settings,
    output_format: str,
    selectors: tuple[str, ...] = (),
) -> int:
    """Explain one author domain: DMARC per model, the SPF of its MAIL FROM, its DKIM keys and
    the outcome per model. 0 when the outcome is a pass in every model, or unknown with the
    envelope aligned; 1 otherwise; 2 when a lookup failed."""
    from aligncheck.explain import (
        answers_for,
        as_json,
        as_send,
        explain,
        outcome_lines,
        outcome_section,
        render_text,
        spf_section,
    )

    send = as_send(domain, envelope, settings, selectors)
    answers = answers_for(send, settings)  # asked once for every section
    results = explain(domain, envelope_domain, settings, answers)
    spf = spf_section(send, settings, answers)
    section = outcome_section(send, settings, answers)
    if output_format == "json":
        import json

        document = as_json(domain, envelope_domain, results)
        if spf is not None:
            mail_from, found = spf
            document["spf"] = {"mail_from_domain": mail_from, **found.document(settings.esp_spf)}
        else:
            document["spf"] = None
        document.update(section)
        click.echo(json.dumps(document, indent=2))
    else:
        text = render_text(domain, envelope_domain, results)
        if spf is not None:
            mail_from, found = spf
            lines = found.text_lines(found.document(settings.esp_spf))
            text += f"\n[spf] MAIL FROM {mail_from}\n" + "".join(
                f"  {line}\n" for line in lines[1:]
            )
        text += "".join(f"{line}\n" for line in outcome_lines(section))
        click.echo(text, nl=False)
    if any(result.failure for result in results):
        return 2
    outcomes = [found["outcome"] for found in section["outcome"].values()]
    if all(outcome.startswith("pass") for outcome in outcomes):
        return 0
    aligned = all(result.aligned is not False for result in results)
    return 0 if aligned and "fail" not in outcomes else 1


def run_snapshot(plan: RunPlan, output: str | None, compare_with: str | None) -> int:
    """Record every answer the checks of the plan's files need (`output`), or compare DNS now
    with a recorded snapshot (`compare_with`: exit 1 when anything changed)."""
    from aligncheck.parallel import frozen

    with frozen():  # as for `check`
        return _run_snapshot(plan, output, compare_with)


def _run_snapshot(plan: RunPlan, output: str | None, compare_with: str | None) -> int:
    from aligncheck.engine import snapshot_answers, target_sends
    from aligncheck.psl_version import psl_snapshot_version
    from aligncheck.resolver import AnswerTable, snapshot

    for error in plan.errors:
        click.echo(f"aligncheck: error: {error}", err=True)
    if plan.errors:
        return 2
    current = AnswerTable()
    sends_count = 0
    for settings, targets in plan.groups:
        sends, errors = target_sends(targets, settings)
        for error in errors:
            click.echo(f"aligncheck: error: {error}", err=True)
        if errors:
            return 2
        sends_count += len(sends)
        current.answers.update(snapshot_answers(sends, settings).answers)
    if compare_with is not None:
        recorded = snapshot.load(compare_with)
        changes = snapshot.differences(recorded, current)
        for line in changes:
            click.echo(line)
        click.echo(
            f"{compare_with}: {len(changes)} answer(s) changed"
            if changes
            else f"{compare_with}: up to date ({len(current.answers)} answers)"
        )
        return 1 if changes else 0
    assert output is not None
    _write(snapshot.dumps(current, psl_snapshot_version()), output)
    failed = sum(1 for answer in current.answers.values() if answer.failed)
    click.echo(f"wrote {len(current.answers)} answers for {sends_count} sends to {output}")
    if failed:
        click.echo(f"aligncheck: {failed} lookup(s) failed and were recorded as failures", err=True)
    return 1 if failed else 0


def run_spf(
    domain: str | None,
    ips: Sequence[str],
    sender: str | None,
    helo: str | None,
    settings: Settings,
    output_format: str,
) -> int:
    """`aligncheck spf`: the record tree of a domain, its problems, and check_host() for each
    `--ip`. 0 when every result is pass and no problem is an error, else 1."""
    from aligncheck.addresses import AddressError, question_name
    from aligncheck.profiles import hosts as given_hosts
    from aligncheck.rules.spf import first_address
    from aligncheck.spf import summary

    helo = helo or ""
    if sender is None or sender == "":
        sender = f"postmaster@{helo}" if helo else ""
    elif "@" not in sender:
        sender = f"postmaster@{sender}"
    # `EXAMPLE.com.` and `bücher.example` are asked, recorded and shown as DNS has them; a name
    # IDNA refuses is no valid domain: `none` (RFC 7208 §4.3), and a sender kept as given
    local, _, sender_domain = sender.rpartition("@")
    with contextlib.suppress(AddressError):
        sender = f"{local}@{question_name(sender_domain)}" if sender else ""
    checked = domain or sender_domain or helo
    refused = None
    try:
        target = question_name(checked)
    except AddressError as exc:
        target, refused = checked.rstrip("."), str(exc)
    if not target:  # the command line gave one, but it holds no domain (`.`, `--sender @`)
        given = domain if domain is not None else sender
        raise AligncheckError(f"`{given}` names no domain to check")
    try:  # as `--sender-ip` and `sending-ips`: an address, or a network by its first address
        hosts = [first_address(host) for host in given_hosts(ips, "--ip")]
    except ValueError as exc:
        raise AligncheckError(str(exc)) from None
    if refused is not None:
        found = summary.not_a_domain(target, hosts, refused)
    else:
        found = summary.gather(target, hosts, sender or f"postmaster@{target}", helo, settings)
    document = found.document(settings.esp_spf)
    if output_format == "json":
        import json

        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(found.text_lines(document)) + "\n", nl=False)
    passed = all(outcome.result == "pass" for _, outcome in found.outcomes)
    errors = any(row["severity"] == "error" for row in document["problems"])
    return 0 if passed and not errors else 1
