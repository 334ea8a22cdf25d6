"""JUnit XML: one test case per finding, and a passing one for each clean file."""

from __future__ import annotations

from xml.etree import ElementTree

from aligncheck.findings import Report


def render(report: Report, *, color: bool = False) -> str:
    suites = ElementTree.Element("testsuites", name="aligncheck")
    by_path: dict[str, list[int]] = {path: [] for path in report.paths}
    for number, finding in enumerate(report.findings):
        by_path.setdefault(finding.path, []).append(number)
    for path, numbers in by_path.items():
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=path,
            tests=str(max(1, len(numbers))),
            failures=str(len(numbers)),
            errors="0",
            skipped="0",
        )
        if not numbers:
            ElementTree.SubElement(suite, "testcase", name="aligncheck", classname=path)
        for number in numbers:
            f = report.findings[number]
            case = ElementTree.SubElement(
                suite,
                "testcase",
                name=f"{f.rule} {f.name}",
                classname=path,
                file=f.path,
                line=str(f.line),
            )
            failure = ElementTree.SubElement(
                case, "failure", message=f.message, type=str(f.severity)
            )
            failure.text = f"{f.path}:{f.line}:{f.column}: {f.rule} [{f.severity}] {f.message}"
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(suites, encoding="unicode")
        + "\n"
    )
