"""Click commands only: options become Settings, plain functions do the work."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from aligncheck import __version__
from aligncheck.addresses import AddressError, normalize_domain, parse_envelope
from aligncheck.config import ConfigError, describe_settings, plan_run
from aligncheck.engine import check_plan, gather_sends, snapshot_answers
from aligncheck.errors import AligncheckError
from aligncheck.findings import Report, Severity
from aligncheck.plan import RunPlan
from aligncheck.psl_version import psl_snapshot_version
from aligncheck.report import REPORTERS, reporter
from aligncheck.report import text as text_report
from aligncheck.resolver import NameserverError, parse_nameserver, snapshot
from aligncheck.resolver.snapshot import SnapshotError
from aligncheck.rules import RULES, lookup
from aligncheck.selection import Selection, SelectorError
from aligncheck.settings import MODELS, Settings
from aligncheck.sources import SourceError

SEVERITIES = ("error", "warning", "info")
DEFAULT_MODEL = Settings().model


class UsageProblem(click.UsageError):
    """A usage or configuration error: one line on stderr, exit status 2."""


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"aligncheck {__version__} (Public Suffix List snapshot {psl_snapshot_version()})")
    ctx.exit(0)


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


NAMESERVER_OPTION = click.option(
    "--nameserver",
    multiple=True,
    metavar="HOST[:PORT]",
    help="Ask this nameserver (repeatable; [::1]:5353 for IPv6). Default: the system's.",
)
DNS_TIMEOUT_OPTION = click.option(
    "--dns-timeout",
    type=click.FloatRange(min=0.1, max=120),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="Time limit for one lookup.",
)
PSL_PRIVATE_OPTION = click.option(
    "--psl-private/--no-psl-private",
    default=True,
    show_default=True,
    help="Include the PRIVATE section of the Public Suffix List (RFC 7489 model).",
)


def dns_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The DNS options `check` and `explain` share."""
    options = [
        click.option(
            "--model",
            type=click.Choice(MODELS),
            default=DEFAULT_MODEL,
            show_default=True,
            help="Organizational-domain model: RFC 7489 (PSL), RFC 9989 (DNS tree walk) or both.",
        ),
        NAMESERVER_OPTION,
        DNS_TIMEOUT_OPTION,
        click.option("--offline", is_flag=True, help="No DNS: skip the rules that need it."),
        PSL_PRIVATE_OPTION,
        click.option(
            "--cache/--no-cache",
            default=True,
            show_default=True,
            help="Keep DNS answers between runs, as long as their TTLs allow.",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(min=1, max=4096),
            default=256,
            show_default=True,
            help="DNS lookups in flight at once.",
        ),
        click.option(
            "--snapshot",
            "snapshot_file",
            type=click.Path(dir_okay=False),
            metavar="FILE",
            help="Take DNS answers from this snapshot: no network at all.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _given_options() -> set[str]:
    """The options the user wrote (not left at their defaults)."""
    ctx = click.get_current_context()
    return {
        name
        for name in ctx.params
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
    }


def _nameservers(values: Sequence[str]) -> tuple[str, ...]:
    for value in values:
        try:
            parse_nameserver(value)
        except NameserverError as exc:
            raise UsageProblem(str(exc)) from None
    return tuple(values)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and the Public Suffix List snapshot date.",
)
def cli() -> None:
    """Lint SMTPeter send configurations for DMARC alignment and DSN mistakes."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--select", multiple=True, help="Rules to enable: codes, prefixes (AC4) or names.")
@click.option("--ignore", multiple=True, help="Rules to disable: codes, prefixes or names.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="error",
    show_default=True,
    help="Exit 1 when a finding has at least this severity.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Text format: counts per rule, not each finding.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text output (auto: on a terminal, unless NO_COLOR is set).",
)
@click.option("--stdin-filename", help="The name to report for `-` (stdin).")
@dns_options
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Use this configuration file for every checked file.",
)
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--show-settings", is_flag=True, help="Print the resolved settings and exit.")
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply exclude patterns and .gitignore to files named explicitly too (pre-commit).",
)
@click.option(
    "--skip-non-send-files",
    is_flag=True,
    help="Skip named files that hold no send, unless they plainly try to be send files "
    "(pre-commit passes every YAML/JSON file).",
)
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
def check(
    paths: tuple[str, ...],
    output_format: str,
    output_file: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str,
    exit_zero: bool,
    statistics: bool,
    color: str,
    stdin_filename: str | None,
    model: str,
    nameserver: tuple[str, ...],
    dns_timeout: float,
    offline: bool,
    psl_private: bool,
    cache: bool,
    concurrency: int,
    snapshot_file: str | None,
    config_file: str | None,
    isolated: bool,
    show_settings: bool,
    force_exclude: bool,
    skip_non_send_files: bool,
    debug: bool,
) -> int:
    """Check send configurations (files, directories, or - for stdin)."""
    given = _given_options()
    values = {
        "output_format": output_format,
        "output_file": output_file,
        "select": _split(select) or ("AC",),
        "ignore": _split(ignore),
        "fail_on": Severity.parse(fail_on),
        "exit_zero": exit_zero,
        "statistics": statistics,
        "color": color,
        "stdin_filename": stdin_filename,
        "model": model,
        "nameservers": _nameservers(nameserver),
        "dns_timeout": dns_timeout,
        "offline": offline,
        "psl_private": psl_private,
        "snapshot": snapshot_file,
        "cache": cache,
        "concurrency": concurrency,
        "force_exclude": force_exclude,
        "skip_non_send_files": skip_non_send_files,
    }
    renamed = {"nameserver": "nameservers", "snapshot_file": "snapshot"}
    overrides = {
        field: value
        for field, value in values.items()
        if field in {renamed.get(name, name) for name in given}
    }
    try:
        Selection(_split(select), _split(ignore))
    except SelectorError as exc:
        raise UsageProblem(str(exc)) from None
    try:
        plan = plan_run(paths, overrides, Path(config_file) if config_file else None, isolated)
    except (ConfigError, SourceError) as exc:
        click.echo(f"aligncheck: error: {exc}", err=True)
        return 2
    if show_settings:
        click.echo(describe_settings(plan), nl=False)
        return 0
    return _guarded(debug, lambda: run_check(plan))


def use_color(choice: str, output_file: str | None) -> bool:
    """`always` and `never` as said; `auto` on a terminal unless NO_COLOR is set."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or output_file:
        return False
    return sys.stdout.isatty()


def run_check(plan: RunPlan) -> int:
    """Run a check and write its report; returns the exit status (spec §4)."""
    settings = plan.settings
    try:
        report = check_plan(plan)
    except SnapshotError as exc:
        click.echo(f"aligncheck: error: {exc}", err=True)
        return 2
    color = use_color(settings.color, settings.output_file)
    if settings.statistics and settings.output_format == "text":
        rendered = text_report.statistics(report)
    else:
        rendered = reporter(settings.output_format)(report, color=color)
    if settings.output_file:
        try:
            Path(settings.output_file).write_text(rendered, encoding="utf-8")
        except OSError as exc:
            click.echo(f"aligncheck: cannot write {settings.output_file}: {exc.strerror}", err=True)
            return 2
    else:
        click.echo(rendered, nl=False, color=color)
    for note in report.notes:
        click.echo(f"aligncheck: {note}", err=True)
    for error in report.errors:
        click.echo(f"aligncheck: error: {error}", err=True)
    return exit_status(report, settings)


def exit_status(report: Report, settings: Settings) -> int:
    if report.errors:
        return 2
    if settings.exit_zero:
        return 0
    return 1 if any(f.severity >= settings.fail_on for f in report.findings) else 0


@cli.command()
@click.argument("rule", required=False)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
def rules(rule: str | None, output_format: str) -> None:
    """List the rules, rules under a prefix (`AC4`), or one rule's documentation."""
    from aligncheck.rules import docs

    if rule is None:
        selected = list(RULES.values())
    else:
        found = lookup(rule)
        selected = [found] if found else [r for c, r in RULES.items() if c.startswith(rule.upper())]
        if not selected:
            raise UsageProblem(f"unknown rule `{rule}` (see `aligncheck rules`)")
    if output_format == "markdown":
        click.echo(docs.markdown(selected), nl=False)
    elif output_format == "json":
        click.echo(json.dumps(docs.as_json(selected), indent=2, ensure_ascii=False))
    elif len(selected) == 1 and rule is not None:
        click.echo(docs.page(selected[0]), nl=False)
    else:
        click.echo(docs.table(selected), nl=False)


@cli.command()
@click.argument("domain")
@click.option("--envelope", metavar="ADDRESS", help="Judge this envelope address too.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@dns_options
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
def explain(
    domain: str,
    envelope: str | None,
    output_format: str,
    model: str,
    nameserver: tuple[str, ...],
    dns_timeout: float,
    offline: bool,
    psl_private: bool,
    cache: bool,
    concurrency: int,
    snapshot_file: str | None,
    debug: bool,
) -> int:
    """Show how DOMAIN's DMARC policy is found and whether an envelope aligns, per model.

    Exit status: 0 aligned (or no envelope), 1 not aligned, 2 on errors or failed lookups.
    """
    if offline:
        raise UsageProblem("explain needs DNS; drop --offline")
    try:
        author = normalize_domain(domain.rsplit("@", 1)[-1])
        envelope_domain = parse_envelope(envelope).domain if envelope is not None else None
    except AddressError as exc:
        raise UsageProblem(str(exc)) from None
    settings = Settings(
        model=model,
        nameservers=_nameservers(nameserver),
        dns_timeout=dns_timeout,
        psl_private=psl_private,
        snapshot=snapshot_file,
        cache=cache,
        concurrency=concurrency,
    )

    def work() -> int:
        from aligncheck.explain import explain as explain_domain
        from aligncheck.explain import render_text

        try:
            results = explain_domain(author, envelope_domain, settings)
        except SnapshotError as exc:
            click.echo(f"aligncheck: error: {exc}", err=True)
            return 2
        if output_format == "json":
            document = {
                "domain": author,
                "envelope_domain": envelope_domain,
                "models": [result.as_dict() for result in results],
            }
            click.echo(json.dumps(document, indent=2))
        else:
            click.echo(render_text(author, envelope_domain, results), nl=False)
        if any(result.failure for result in results):
            return 2
        return 1 if any(result.aligned is False for result in results) else 0

    return _guarded(debug, work)


@cli.command("snapshot")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write the snapshot here.",
)
@click.option(
    "--check",
    "check_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Ask DNS again and list what changed since FILE was recorded (exit 1 if anything).",
)
@NAMESERVER_OPTION
@DNS_TIMEOUT_OPTION
@PSL_PRIVATE_OPTION
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=4096),
    default=256,
    show_default=True,
    help="DNS lookups in flight at once.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Use this configuration file for every file.",
)
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
def snapshot_command(
    paths: tuple[str, ...],
    output: str | None,
    check_file: str | None,
    nameserver: tuple[str, ...],
    dns_timeout: float,
    psl_private: bool,
    concurrency: int,
    config_file: str | None,
    isolated: bool,
    debug: bool,
) -> int:
    """Record every DNS answer the checks of PATHS need (both models), for offline runs.

    Nameservers, timeouts and file selection come from the configuration as in `check`."""
    if (output is None) == (check_file is None):
        raise UsageProblem("give either -o FILE (record) or --check FILE (compare)")
    given = _given_options()
    values = {
        "nameservers": _nameservers(nameserver),
        "dns_timeout": dns_timeout,
        "psl_private": psl_private,
        "concurrency": concurrency,
    }
    overrides = {
        key: value
        for key, value in values.items()
        if {"nameservers": "nameserver"}.get(key, key) in given
    }
    try:
        plan = plan_run(paths, overrides, Path(config_file) if config_file else None, isolated)
    except (ConfigError, SourceError) as exc:
        click.echo(f"aligncheck: error: {exc}", err=True)
        return 2

    def work() -> int:
        for error in plan.errors:
            click.echo(f"aligncheck: error: {error}", err=True)
        if plan.errors:
            return 2
        from aligncheck.resolver import AnswerTable

        current = AnswerTable()
        sends_count = 0
        for settings, targets in plan.groups:
            sends, errors = gather_sends([t.path for t in targets], settings)
            for error in errors:
                click.echo(f"aligncheck: error: {error}", err=True)
            if errors:
                return 2
            sends_count += len(sends)
            current.answers.update(snapshot_answers(sends, settings).answers)
        if check_file is not None:
            try:
                recorded = snapshot.load(check_file)
            except SnapshotError as exc:
                click.echo(f"aligncheck: error: {exc}", err=True)
                return 2
            changes = snapshot.differences(recorded, current)
            for line in changes:
                click.echo(line)
            click.echo(
                f"{check_file}: {len(changes)} answer(s) changed"
                if changes
                else f"{check_file}: up to date ({len(current.answers)} answers)"
            )
            return 1 if changes else 0
        assert output is not None
        text = snapshot.dumps(current, psl_snapshot_version())
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            click.echo(f"aligncheck: cannot write {output}: {exc.strerror}", err=True)
            return 2
        failed = sum(1 for answer in current.answers.values() if answer.failed)
        click.echo(f"wrote {len(current.answers)} answers for {sends_count} sends to {output}")
        if failed:
            click.echo(
                f"aligncheck: {failed} lookup(s) failed and were recorded as failures", err=True
            )
        return 1 if failed else 0

    return _guarded(debug, work)


def _guarded(debug: bool, work: Callable[[], int]) -> int:
    try:
        return work()
    except AligncheckError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"aligncheck: error: {exc}", err=True)
        return 2
    except Exception as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"aligncheck: internal error: {type(exc).__name__}: {exc}", err=True)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the exit status instead of raising SystemExit."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="aligncheck",
            standalone_mode=False,
        )
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.Abort:
        click.echo("aligncheck: aborted", err=True)
        return 2
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
