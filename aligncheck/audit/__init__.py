"""`aligncheck audit`: the manual-audit report (spec §8). `data` gathers the document from a
check run; `markdown` and `html` lay it out; the JSON format is the document itself. Imported
only when the command runs."""

from __future__ import annotations

FORMATS = ("markdown", "html", "json")
