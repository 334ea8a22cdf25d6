"""GitLab Code Quality: a JSON array with relative paths and unique fingerprints."""

from __future__ import annotations

import hashlib
import json

from aligncheck.findings import Report, Severity

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(report: Report, *, color: bool = False) -> str:
    issues = []
    occurrences: dict[str, int] = {}
    for f in report.findings:
        key = f"{f.rule}\0{f.path}\0{f.message}"
        occurrences[key] = occurrences.get(key, 0) + 1
        fingerprint = hashlib.sha256(f"{key}\0{occurrences[key]}".encode()).hexdigest()
        issues.append(
            {
                "description": f"{f.rule} {f.message}",
                "check_name": f"{f.rule} {f.name}",
                "fingerprint": fingerprint,
                "severity": SEVERITIES[f.severity],
                "location": {"path": f.path.removeprefix("./"), "lines": {"begin": f.line}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
