"""Settings: everything a run depends on, filled by the CLI or the Python API."""

from __future__ import annotations

from dataclasses import dataclass, field

from aligncheck.findings import Severity
from aligncheck.parsing import Limits

MODELS = ("rfc7489", "rfc9989", "both")


def models_in_force(model: str) -> tuple[str, ...]:
    return ("rfc7489", "rfc9989") if model == "both" else (model,)


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("AC",)
    ignore: tuple[str, ...] = ()
    fail_on: Severity = Severity.ERROR
    exit_zero: bool = False
    model: str = "both"
    nameservers: tuple[str, ...] = ()
    dns_timeout: float = 5.0
    offline: bool = False
    psl_private: bool = True
    stdin_filename: str | None = None
    concurrency: int = 64
    snapshot: str | None = None
    limits: Limits = field(default_factory=Limits)
