"""`check --fix` and `--diff` run: which files have fixes, fixing them in memory (again and
again while fixes reveal more), then printing the diff or writing the files and checking again.
The edits themselves are `fixes.py`'s."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aligncheck.errors import AligncheckError
from aligncheck.findings import Edit, Report
from aligncheck.plan import RunPlan
from aligncheck.runner import stream
from aligncheck.settings import Settings

if TYPE_CHECKING:
    from aligncheck.fixes import FileFix
    from aligncheck.sources import Target


def _changes(plan: RunPlan, report: Report, stdin: bytes | None) -> list[FileFix]:
    """Every file with a located fix, fixed in memory (nothing written)."""
    import functools

    from aligncheck.fixes import fix_file
    from aligncheck.sources import sniff_json

    by_path: dict[str, list[Edit]] = {}
    for finding in report.findings:
        if finding.edit is not None:
            by_path.setdefault(finding.path, []).append(finding.edit)
    settings_of = {t.path: (s, t) for s, targets in plan.groups for t in targets}
    stdin_name = plan.settings.stdin_filename or "-"
    changes = []
    for path, edits in by_path.items():
        from_stdin = stdin is not None and path == stdin_name
        settings, target = settings_of["-" if from_stdin else path]
        if from_stdin:
            assert stdin is not None
            data = stdin
            named = settings.stdin_filename
            as_json = sniff_json(data) if named is None else named.lower().endswith(".json")
        else:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise AligncheckError(f"cannot read {path} to fix it: {exc.strerror}") from None
            as_json = path.lower().endswith(".json")

        again = functools.partial(_edits_in, settings=settings, target=target)
        changes.append(fix_file(path, data, edits, as_json, settings.limits, again))
    return changes


def _edits_in(data: bytes, settings: Settings, target: Target) -> list[Edit]:
    """The located fixes of the findings a check of `data` (as `target`) reports."""
    import io

    from aligncheck import suppressions
    from aligncheck.engine import check_file

    if target.path == "-":
        result = check_file(target, settings, io.BytesIO(data))
    else:
        result = check_file(target, settings, data=data)
    if result is None or result.error is not None:
        return []
    findings = suppressions.apply(result.findings, result.suppressions)
    return [f.edit for f in findings if f.edit is not None]


def _dropped_notes(changes: list[FileFix]) -> None:
    for change in changes:
        for edit, why in change.dropped:
            click.echo(
                f"aligncheck: {change.path}:{edit.start.line}:{edit.start.column}: fix "
                f"`{edit.new}` not applied: {why}",
                err=True,
            )


def show_fixes(plan: RunPlan, report: Report, stdin: bytes | None) -> int:
    """`--diff`: the fixes as a unified diff; nothing written. 1 when there is a fix."""
    from aligncheck.fixes import unified_diff

    every = _changes(plan, report, stdin)
    changes = [change for change in every if change.kept]
    click.echo("".join(unified_diff(change) for change in changes), nl=False)
    _dropped_notes(every)
    for error in report.errors:
        click.echo(f"aligncheck: error: {error}", err=True)
    if report.errors:
        return 2
    return 1 if changes else 0


def fix(plan: RunPlan, report: Report, stdin: bytes | None) -> tuple[Report, bytes | None]:
    """`--fix`: write the fixed files (stdin's fixed text is returned), then check again."""
    from aligncheck.engine import check_plan

    changes = _changes(plan, report, stdin)
    _dropped_notes(changes)
    fixed_stdin = None
    stdin_name = plan.settings.stdin_filename or "-"
    count = 0
    for change in changes:
        count += len(change.kept)
        if stdin is not None and change.path == stdin_name:
            fixed_stdin = change.after
        elif change.kept:
            _replace_file(change.path, change.after)
    if stdin is not None and fixed_stdin is None:
        fixed_stdin = stdin  # nothing to fix: written back as it came
    if not count:
        return report, fixed_stdin
    files = sum(1 for change in changes if change.kept)
    again = check_plan(plan, stream(fixed_stdin))
    note = f"fixed {count} finding{'s' * (count != 1)} in {files} file{'s' * (files != 1)}"
    return replace(again, notes=(note, *again.notes)), fixed_stdin


def _replace_file(path: str, data: bytes) -> None:
    """Write `data` over `path` at once (a temporary file beside it, renamed), keeping its
    mode; a symbolic link stays a link (its target is rewritten), a file without write
    permission is not written."""
    import tempfile

    target = Path(path).resolve()
    if not os.access(target, os.W_OK) or not target.stat().st_mode & 0o222:
        raise AligncheckError(f"cannot write the fixed {path}: it is read-only")
    try:
        mode = target.stat().st_mode
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, target)
    except OSError as exc:
        raise AligncheckError(f"cannot write the fixed {path}: {exc.strerror}") from None
