"""The command line: click commands that turn their options into `Settings` and call the
runner. The options themselves are declared once, in `options.py`."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from aligncheck import __version__
from aligncheck.audit import FORMATS as AUDIT_FORMATS
from aligncheck.errors import AligncheckError
from aligncheck.options import click_options, from_command_line
from aligncheck.rules import RULES, rule_for


class UsageProblem(click.UsageError):
    """A usage error: one line on stderr, exit status 2, ending with where to look: the
    command's `--help`, or `see` when another page helps more (`aligncheck rules`)."""

    def __init__(self, message: str, see: str | None = None) -> None:
        super().__init__(message)
        self.see = see


def _explain_domain(text: str) -> str:
    """`explain`'s DOMAIN as given, unless it is written as a send file's path (a `.yaml`,
    `.yml` or `.json` name, or a directory in it; a file named like a domain, as zone files
    are, is not one): `aligncheck explain mail/x.yaml` means `check`, and would otherwise be
    refused as an invalid name. (`spf` takes any name: one that is no valid domain gets
    `none`, spec §7.)"""
    if text.lower().endswith((".yaml", ".yml", ".json")) or "/" in text or "\\" in text:
        raise UsageProblem(
            f"`{text}` looks like a file: `explain` takes a domain (`aligncheck check {text}` "
            "checks a file)",
            see="aligncheck explain --help",
        )
    return text


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from aligncheck.psl_version import psl_snapshot_version

    click.echo(f"aligncheck {__version__} (Public Suffix List snapshot {psl_snapshot_version()})")
    ctx.exit(0)


CONFIG_FILE = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Use this configuration file for every file.",
)
ISOLATED = click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
DEBUG = click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
TEXT_OR_JSON = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)


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


def _settings_from(values: dict[str, Any], no_snapshot: bool = False) -> dict[str, Any]:
    """The command line's settings, with its own conflicts settled: the command line beats
    the configuration file, so `--nameserver`, `--offline` or `--no-snapshot` turn off a
    configured `snapshot`; `--snapshot` with `--offline` or `--nameserver` is a usage error."""
    given = from_command_line(values)
    if "snapshot" in given:
        for other, flag in (("offline", "--offline"), ("nameservers", "--nameserver")):
            if given.get(other):
                raise UsageProblem(
                    f"--snapshot takes every answer from its file: drop {flag} (or --snapshot)"
                )
        if no_snapshot:
            raise UsageProblem("--snapshot and --no-snapshot contradict each other")
    elif no_snapshot or given.get("offline") or given.get("nameservers"):
        given["snapshot"] = None
    if "nameservers" in given:
        from aligncheck.resolver import parse_nameserver

        for server in given["nameservers"]:
            parse_nameserver(server)
    if "select" in given or "ignore" in given:
        from aligncheck.selection import Selection

        Selection(given.get("select", ("AC",)), given.get("ignore", ()))
    return given


def _plan(
    paths: Sequence[str], values: dict[str, Any], config_file: str | None, isolated: bool
) -> Any:
    from aligncheck.config import plan_run

    return plan_run(paths, values, Path(config_file) if config_file else None, isolated)


@cli.command()
@click.argument("paths", nargs=-1)
@click_options("check")
@click.option(
    "--no-snapshot", is_flag=True, help="Ignore a `snapshot` set in the configuration file."
)
@CONFIG_FILE
@ISOLATED
@click.option(
    "--show-settings",
    is_flag=True,
    help="Print the settings in force, as a configuration file, and exit.",
)
@DEBUG
def check(
    paths: tuple[str, ...],
    no_snapshot: bool,
    config_file: str | None,
    isolated: bool,
    show_settings: bool,
    debug: bool,
    **values: Any,
) -> int:
    """Check send configurations (files, directories, or - for stdin)."""
    if not paths and not show_settings:
        raise UsageProblem("give at least one PATH (a file, a directory, or - for stdin)")
    if paths.count("-") > 1:
        raise UsageProblem("stdin (-) can be named only once")

    def work() -> int:
        from aligncheck.runner import run_check

        plan = _plan(paths, _settings_from(values, no_snapshot), config_file, isolated)
        if show_settings:
            from aligncheck.config import describe_settings

            click.echo(describe_settings(plan), nl=False)
            return 0
        return run_check(plan)

    return _guarded(debug, work)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "audit_format",
    type=click.Choice(AUDIT_FORMATS),
    default="markdown",
    show_default=True,
    help="markdown for a pull request or a job summary, html for a browser, json for tools.",
)
@click_options("audit")
@click.option(
    "--no-snapshot", is_flag=True, help="Ignore a `snapshot` set in the configuration file."
)
@CONFIG_FILE
@ISOLATED
@DEBUG
def audit(
    paths: tuple[str, ...],
    audit_format: str,
    no_snapshot: bool,
    config_file: str | None,
    isolated: bool,
    debug: bool,
    **values: Any,
) -> int:
    """Audit send configurations: per author domain the DMARC policy, SPF and DKIM, and
    whether each send will pass DMARC (and why not)."""
    if paths.count("-") > 1:
        raise UsageProblem("stdin (-) can be named only once")

    def work() -> int:
        from aligncheck.runner import run_audit

        plan = _plan(paths, _settings_from(values, no_snapshot), config_file, isolated)
        return run_audit(plan, audit_format)

    return _guarded(debug, work)


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
    import json

    from aligncheck.rules import docs
    from aligncheck.selection import rule_hint

    if rule is None:
        selected = list(RULES.values())
    else:
        found = rule_for(rule)
        selected = [found] if found else [r for c, r in RULES.items() if c.startswith(rule.upper())]
        if not selected:
            raise UsageProblem(f"unknown rule `{rule}`{rule_hint(rule)}", see="aligncheck rules")
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
    "--dkim-selector",
    "selectors",
    multiple=True,
    metavar="SELECTOR",
    help="A DKIM selector of DOMAIN to check (repeatable); default: the profile's.",
)
@TEXT_OR_JSON
@click_options("explain")
@CONFIG_FILE
@ISOLATED
@DEBUG
def explain(
    domain: str,
    envelope: str | None,
    selectors: tuple[str, ...],
    output_format: str,
    config_file: str | None,
    isolated: bool,
    debug: bool,
    **values: Any,
) -> int:
    """Show how DOMAIN's DMARC policy is found and whether an envelope aligns, per model.

    Ends with the DKIM keys and the DMARC outcome per model. Exit status: 0 when the outcome
    is a pass in every model (or unknown with the envelope aligned), 1 otherwise, 2 on errors
    or failed lookups.
    """
    from aligncheck.addresses import AddressError, normalize_domain, parse_envelope, without_root

    try:
        written = _explain_domain(domain).rsplit("@", 1)[-1]
        author = normalize_domain(without_root(written))  # `example.com.` as `dig` takes it
        envelope_domain = parse_envelope(envelope).domain if envelope is not None else None
    except AddressError as exc:
        raise UsageProblem(str(exc)) from None

    def work() -> int:
        from aligncheck.runner import run_explain

        plan = _plan((), _settings_from(values), config_file, isolated)
        return run_explain(
            author, envelope, envelope_domain, plan.settings, output_format, selectors
        )

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
@click_options("snapshot")
@CONFIG_FILE
@ISOLATED
@DEBUG
def snapshot_command(
    paths: tuple[str, ...],
    output: str | None,
    check_file: str | None,
    config_file: str | None,
    isolated: bool,
    debug: bool,
    **values: Any,
) -> int:
    """Record every DNS answer the checks of PATHS need (both models), for offline runs.

    Nameservers, timeouts and file selection come from the configuration as in `check`."""
    if (output is None) == (check_file is None):
        raise UsageProblem("give either -o FILE (record) or --check FILE (compare)")

    def work() -> int:
        from aligncheck.runner import run_snapshot

        plan = _plan(paths, _settings_from(values), config_file, isolated)
        return run_snapshot(plan, output, check_file)

    return _guarded(debug, work)


@cli.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of a send file (for editors: completion and validation)."""
    from aligncheck.schema import render

    click.echo(render(), nl=False)


@cli.command("spf")
@click.argument("domain", required=False)
@click.option(
    "--ip",
    "ips",
    multiple=True,
    metavar="IP",
    help="A sending host to evaluate (a network: its first address).",
)
@click.option("--sender", metavar="ADDRESS", help="The MAIL FROM address (local@domain).")
@click.option("--helo", metavar="NAME", help="The HELO/EHLO name.")
@TEXT_OR_JSON
@click_options("spf")
@CONFIG_FILE
@ISOLATED
@DEBUG
def spf_command(
    domain: str | None,
    ips: tuple[str, ...],
    sender: str | None,
    helo: str | None,
    output_format: str,
    config_file: str | None,
    isolated: bool,
    debug: bool,
    **values: Any,
) -> int:
    """Show DOMAIN's SPF record tree and problems, and check_host() for each --ip.

    DOMAIN defaults to the --sender domain, else --helo (RFC 7208 §2.3-2.4). Exit status: 0
    when every result is pass and no problem is an error, 1 otherwise, 2 on usage errors.
    """
    if domain is None and not sender and not helo:
        raise UsageProblem("give a DOMAIN, --sender ADDRESS or --helo NAME")

    def work() -> int:
        from aligncheck.runner import run_spf

        plan = _plan((), _settings_from(values), config_file, isolated)
        return run_spf(domain, ips, sender, helo, plan.settings, output_format)

    return _guarded(debug, work)


def _guarded(debug: bool, work: Callable[[], int]) -> int:
    """Errors a user can cause are one line and exit 2; anything else is a bug, said in one
    line too (`--debug` shows the traceback)."""
    try:
        return work()
    except (AligncheckError, UsageProblem) as exc:
        if debug:
            traceback.print_exc()
        message = exc.format_message() if isinstance(exc, click.UsageError) else str(exc)
        click.echo(f"aligncheck: error: {message}", err=True)
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
    except click.UsageError as exc:
        see = getattr(exc, "see", None)
        if see is None:
            see = f"{exc.ctx.command_path if exc.ctx is not None else 'aligncheck'} --help"
        click.echo(f"aligncheck: error: {exc.format_message()} (see `{see}`)", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.Abort:
        click.echo("aligncheck: aborted", err=True)
        return 2
    return result if isinstance(result, int) else 0


def run() -> NoReturn:
    """The `aligncheck` command: `main`, then out of the process without freeing what the run
    read object by object (tens of milliseconds after a large run; mypy exits the same way).
    Nothing is left to clean up by then: every file is written and closed, every worker
    process and thread joined; the output streams are flushed here."""
    status = main()
    for output in (sys.stdout, sys.stderr):
        # a reader gone (`| head`): the rest is not wanted
        with contextlib.suppress(OSError, ValueError):
            output.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
