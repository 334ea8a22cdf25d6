"""SARIF 2.1.0 for GitHub code scanning: every rule described, results with stable fingerprints."""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from typing import Any

from aligncheck import __version__
from aligncheck.findings import Finding, Report, Severity
from aligncheck.meta import HOMEPAGE, rule_url
from aligncheck.rules import RULES, docs

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report, *, color: bool = False) -> str:
    codes = list(RULES)
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.description},
            "help": docs.sarif_help(rule),
            "helpUri": rule_url(rule.code, rule.name),
            "defaultConfiguration": {"level": LEVELS[rule.severity]},
            "properties": {"tags": ["email", "dmarc"] if rule.needs_dns else ["email"]},
        }
        for rule in RULES.values()
    ]
    occurrences: dict[str, int] = {}
    results = []
    for finding in report.findings:
        results.append(_result(finding, codes.index(finding.rule), occurrences))
    log: dict[str, Any] = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aligncheck",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": HOMEPAGE,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the checkout"}}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    """A relative, forward-slash URI (GitHub relativises against the checkout)."""
    posix = PurePosixPath(path.replace("\\", "/"))
    parts = [part for part in posix.parts if part not in (".", "/")]
    return "/".join(parts)


def _result(finding: Finding, index: int, occurrences: dict[str, int]) -> dict[str, Any]:
    # Stable across runs and line moves: rule, file and message, plus an occurrence count.
    base = hashlib.sha256(
        f"{finding.rule}\0{_uri(finding.path)}\0{finding.message}".encode()
    ).hexdigest()[:16]
    occurrences[base] = occurrences.get(base, 0) + 1
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding.path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                }
            }
        ],
        "partialFingerprints": {"primaryLocationLineHash": f"{base}:{occurrences[base]}"},
    }
    edit = finding.edit
    if edit is not None:  # what `check --fix` would do
        region = {
            "startLine": edit.start.line,
            "startColumn": edit.start.column,
            "endLine": edit.end.line,
            "endColumn": edit.end.column,
        }
        change = {
            "artifactLocation": {"uri": _uri(finding.path), "uriBaseId": "%SRCROOT%"},
            "replacements": [{"deletedRegion": region, "insertedContent": {"text": edit.text}}],
        }
        result["fixes"] = [{"description": {"text": edit.description}, "artifactChanges": [change]}]
    return result
