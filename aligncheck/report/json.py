"""The stable JSON contract of spec §5."""

from __future__ import annotations

import json

from aligncheck import __version__
from aligncheck.findings import Report, Severity


def render(report: Report, *, color: bool = False) -> str:
    document = {
        "version": 1,
        "tool": {"name": "aligncheck", "version": __version__},
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "rule": f.rule,
                "name": f.name,
                "severity": str(f.severity),
                "message": f.message,
                "send": f.send,
            }
            for f in report.findings
        ],
        "summary": {
            "files": report.files,
            "sends": report.sends,
            **{str(s): report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)},
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
