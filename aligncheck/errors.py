"""The one base of every error a user can cause: `main` turns it into one line and exit 2."""

from __future__ import annotations


class AligncheckError(Exception):
    """A problem with the run's input, configuration or environment (never a bug)."""
