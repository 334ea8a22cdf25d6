"""DNS snapshots: every answer the checks of some paths need, in a stable, diff-friendly file.

A snapshot is committed beside the send configurations, so that pre-commit runs need no
network and give the same findings every time, while CI refreshes it (`snapshot --check`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aligncheck.errors import AligncheckError
from aligncheck.resolver.answers import Answer, AnswerTable, FailureReason, Question

if TYPE_CHECKING:
    from datetime import datetime

FORMAT = 1
_KINDS = ("records", "nxdomain", "nodata", "failure")


class SnapshotError(AligncheckError):
    """The snapshot file cannot be read or is not a snapshot (exit status 2)."""


def _key(question: Question) -> str:
    name, rdtype = question
    return f"{name} {rdtype}"


def dumps(table: AnswerTable, psl_version: str, queried_at: datetime | None = None) -> str:
    """The snapshot as text: sorted keys, one record per line, stable across runs."""
    from datetime import UTC, datetime

    answers: dict[str, dict[str, Any]] = {}
    for question, answer in table.answers.items():
        entry: dict[str, Any] = {"kind": answer.kind}
        if answer.kind == "records":
            entry["records"] = sorted(answer.records)
        if answer.kind == "failure":
            entry["error"] = answer.error
            entry["reason"] = (answer.reason or FailureReason.UNKNOWN).value
        answers[_key(question)] = entry
    stamp = (queried_at or datetime.now(UTC)).replace(microsecond=0)
    document = {
        "aligncheck_snapshot": FORMAT,
        "queried_at": stamp.isoformat().replace("+00:00", "Z"),
        "public_suffix_list": psl_version,
        "answers": answers,
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load(path: str) -> AnswerTable:
    """Read a snapshot file; raises SnapshotError with a one-line reason."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SnapshotError(f"cannot read snapshot {path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"snapshot {path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("aligncheck_snapshot") != FORMAT:
        raise SnapshotError(f"{path} is not an aligncheck snapshot (format {FORMAT})")
    answers = document.get("answers")
    if not isinstance(answers, dict):
        raise SnapshotError(f"snapshot {path} has no `answers` mapping")
    table = AnswerTable()
    for key, entry in answers.items():
        name, _, rdtype = str(key).rpartition(" ")
        if not name or not isinstance(entry, dict) or entry.get("kind") not in _KINDS:
            raise SnapshotError(f"snapshot {path}: malformed answer `{key}`")
        records = entry.get("records", [])
        if not isinstance(records, list) or not all(isinstance(r, str) for r in records):
            raise SnapshotError(f"snapshot {path}: malformed records for `{key}`")
        reason = None
        if entry["kind"] == "failure":
            try:
                reason = FailureReason(entry.get("reason", "unknown"))
            except ValueError:
                reason = FailureReason.UNKNOWN
        table.answers[(name, rdtype)] = Answer(
            entry["kind"], tuple(records), str(entry.get("error", "")), reason=reason
        )
    return table


def describe(answer: Answer | None) -> str:
    if answer is None:
        return "absent"
    if answer.kind == "records":
        return " | ".join(sorted(answer.records))
    return answer.kind if answer.kind != "failure" else f"failure ({answer.error})"


def _same(old: Answer, new: Answer) -> bool:
    return old.kind == new.kind and sorted(old.records) == sorted(new.records)


def differences(recorded: AnswerTable, current: AnswerTable) -> list[str]:
    """What changed between a snapshot and DNS now, one line per question, sorted."""
    lines = []
    for question in sorted(set(recorded.answers) | set(current.answers)):
        old = recorded.answers.get(question)
        new = current.answers.get(question)
        if old is not None and new is not None and _same(old, new):
            continue
        if new is None:
            lines.append(f"{_key(question)}: no longer needed (was {describe(old)})")
        elif old is None:
            lines.append(f"{_key(question)}: missing from the snapshot (now {describe(new)})")
        else:
            lines.append(f"{_key(question)}: {describe(old)} -> {describe(new)}")
    return lines
