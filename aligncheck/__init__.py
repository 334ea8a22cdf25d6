"""aligncheck: lint SMTPeter send configurations for DMARC alignment and DSN mistakes."""

from __future__ import annotations

__version__ = "0.1.0"

from aligncheck.engine import check_paths, check_send
from aligncheck.findings import Finding, Report, Severity
from aligncheck.settings import Settings

__all__ = ["Finding", "Report", "Settings", "Severity", "__version__", "check_paths", "check_send"]
