"""What the HTML report is drawn from besides the canary records: fault-lab rows and arrival times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Arrival", "MatrixRow"]


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One fault of the fault lab: the check that must catch it, the checks that failed, and the verdict."""

    fault: str
    expected: str | None  # None: nothing may fail (the fault must be absorbed)
    failed: tuple[str, ...]
    ok: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class Arrival:
    """When one path's copy of a canary arrived at a receiver (the arrival checks' `received_at`)."""

    canary_id: str
    path: str
    arrived_at: datetime
