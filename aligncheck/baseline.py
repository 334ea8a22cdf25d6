"""Baselines: adopt aligncheck in a repository without fixing every finding on day one.

`check --write-baseline FILE` records today's findings; `--baseline FILE` (config `baseline`)
reports only findings the file does not hold, and notes how many of its entries no longer occur.

An entry names a file, a rule and a fingerprint of what the finding is about: its message,
which names the property, value, domain or record (a different record problem, or another
value, is another finding). Never its line or its send's index, so an entry survives lines
moving and sends being inserted. Findings alike in one file are counted: a baseline holding two
lets two through, and reports a third.
Paths are stored relative to the baseline file's directory, so the file is the same whoever
runs aligncheck from wherever. The JSON is sorted, one entry per line: meant to be committed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from aligncheck.errors import AligncheckError
from aligncheck.findings import Finding, Report

VERSION = 1


class BaselineError(AligncheckError):
    """A baseline file that cannot be read or written."""


Key = tuple[str, str, str]  # (path, rule, fingerprint)


def fingerprint(finding: Finding) -> str:
    return hashlib.sha256(f"{finding.rule}\0{finding.message}".encode()).hexdigest()[:16]


def _relative(path: str, base: Path) -> str:
    if path == "-" or path.startswith("<"):
        return path
    try:
        return Path(os.path.relpath(Path(path).resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive
        return Path(path).resolve().as_posix()


def _key(finding: Finding, base: Path) -> Key:
    return (_relative(finding.path, base), finding.rule, fingerprint(finding))


def write(findings: Iterable[Finding], target: str) -> int:
    """Record the findings in `target`; the number of entries written."""
    base = Path(target).parent
    counted: Counter[Key] = Counter()
    said: dict[Key, str] = {}
    for finding in findings:
        key = _key(finding, base)
        counted[key] += 1
        said.setdefault(key, finding.message)
    rows = [
        json.dumps(
            {"path": k[0], "rule": k[1], "fingerprint": k[2], "count": n, "message": said[k]},
            ensure_ascii=False,
        )
        for k, n in sorted(counted.items())
    ]
    body = ",\n    ".join(rows)
    text = f'{{\n  "version": {VERSION},\n  "findings": [' + (f"\n    {body}\n  " if rows else "")
    text += "]\n}\n"
    try:
        Path(target).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot write the baseline {target}: {exc.strerror}") from None
    return len(rows)


@dataclass(frozen=True)
class Baseline:
    path: str
    counts: dict[Key, int]


def load(path: str) -> Baseline:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read the baseline {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"the baseline {path} is not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise BaselineError(
            f"the baseline {path} is not an aligncheck baseline (version {VERSION}): "
            "write it with `aligncheck check --write-baseline`"
        )
    counts: dict[Key, int] = {}
    for entry in document.get("findings", []):
        try:
            key = (str(entry["path"]), str(entry["rule"]), str(entry["fingerprint"]))
            counts[key] = counts.get(key, 0) + int(entry.get("count", 1))
        except (TypeError, KeyError, ValueError):
            raise BaselineError(f"the baseline {path} has a malformed entry: {entry!r}") from None
    return Baseline(path, counts)


def apply(report: Report, baseline: Baseline, ran: Callable[[str], bool]) -> Report:
    """The report without the findings the baseline holds, with a note saying how many were
    hidden and how many baseline entries no longer occur (of the files this run checked and
    the rules it ran: an `--offline` run does not call the DNS rules' entries stale)."""
    base = Path(baseline.path).parent
    left = dict(baseline.counts)
    kept: list[Finding] = []
    hidden = 0
    for finding in report.findings:
        key = _key(finding, base)
        if left.get(key, 0) > 0:
            left[key] -= 1
            hidden += 1
        else:
            kept.append(finding)
    # an entry for a file this run did not check is not stale: the run may name only some
    # files, as pre-commit does
    checked = {_relative(path, base) for path in report.paths}
    stale = sum(1 for key, count in left.items() if count > 0 and key[0] in checked and ran(key[1]))
    note = f"baseline {baseline.path}: {hidden} known finding{'s' * (hidden != 1)} not shown"
    if stale:
        note += (
            f"; {stale} entr{'ies' if stale != 1 else 'y'} no longer occur: shrink it with "
            "`--write-baseline`"
        )
    return replace(report, findings=kept, notes=(*report.notes, note))
