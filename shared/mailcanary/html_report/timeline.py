"""The failed checks in time order, with their evidence (pure; the page escapes the text)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mailcanary.store.records import CanaryRecord

__all__ = ["Failure", "failures"]


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed check on one path of one round (`path` empty: a failure of the canary as a whole)."""

    at: datetime  # when it was decided (the round's start while undecided)
    canary_id: str
    path: str
    target: str
    check: str
    detail: str


def failures(records: Iterable[CanaryRecord]) -> tuple[Failure, ...]:
    """Every failed check, oldest first; a canary-level failure already shown on one of its paths is not repeated."""
    found: list[Failure] = []
    for record in records:
        shown: set[tuple[str, str]] = set()
        for path in record.paths:
            at = path.decided_at or record.decided_at or record.created_at
            for failed in path.failed_checks:
                shown.add((failed.check.value, failed.detail))
                found.append(Failure(at, record.canary_id, path.name, path.target, failed.check.value, failed.detail))
        for failed in record.failed_checks:
            if (failed.check.value, failed.detail) not in shown:
                at = record.decided_at or record.created_at
                found.append(Failure(at, record.canary_id, "", "", failed.check.value, failed.detail))
    return tuple(sorted(found, key=lambda each: (each.at, each.canary_id, each.path, each.check)))
