"""RunPlan: which files are checked with which settings (the closest configuration wins)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aligncheck.settings import Settings
from aligncheck.sources import Target


@dataclass
class RunPlan:
    settings: Settings  # the run's own: output, exit status (from the working directory)
    groups: list[tuple[Settings, list[Target]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # stdin named (`--stdin-filename`) as a file `--force-exclude` leaves out: not checked;
    # `--fix -` writes it back as it came, so an editor's buffer is kept
    stdin_left_out: bool = False

    @property
    def reads_stdin(self) -> bool:
        return any(target.path == "-" for _, targets in self.groups for target in targets)
