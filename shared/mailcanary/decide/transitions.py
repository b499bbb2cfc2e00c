"""Transitions: a record leaving `pending`, as the reconciler, the sweeper and the round report it, and settling
a canary once every one of its paths is decided (whoever closes the last path, at send time, from SES's
events or in a sweep)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailcanary.core.checks import CanaryState, Verdict
from mailcanary.store import CanaryRecord, CanaryStore, FailedCheck, PathRecord, TransitionConflictError

__all__ = ["Transition", "failed_verdicts", "settle", "settle_if_closed", "transition_summary"]


@dataclass(frozen=True, slots=True)
class Transition:
    """A record that left `pending`; `path` is None for the canary itself.

    `verdicts` holds one failed `Verdict` per failed check, each naming the path it failed on; `arrival` says the
    path was decided by its arrived copy (so a pass clears the delivery checks' alerts, not SES's).
    """

    canary_id: str
    path: str | None
    state: CanaryState
    verdicts: tuple[Verdict, ...] = ()
    arrival: bool = False


def transition_summary(transition: Transition) -> dict[str, Any]:
    """One decision as JSON: canary, path (None for the canary itself), state and the failed checks."""
    return {
        "canary_id": transition.canary_id,
        "path": transition.path,
        "state": transition.state.value,
        "failed_checks": [{"check": v.check.value, "detail": v.detail} for v in transition.verdicts],
    }


def failed_verdicts(path: str, checks: Iterable[FailedCheck]) -> tuple[Verdict, ...]:
    """Failed checks of one path as `Verdict`s, the shape alerts and the CLI consume."""
    return tuple(Verdict(failed.check, False, path, failed.detail) for failed in checks)


def settle(store: CanaryStore, canary: CanaryRecord, *, now: datetime) -> list[Transition]:
    """Decide a pending canary whose paths are all decided: failed if any path failed, else passed.

    Safe to call from anywhere at any time: only the caller whose conditional write wins gets a transition.
    The canary itself owes no metric and no alert (its paths did, when they were decided).
    """
    if canary.state.terminal or not all(path.state.terminal for path in canary.paths):
        return []
    failed = tuple(check for path in canary.paths for check in path.failed_checks)
    state = CanaryState.FAILED if failed else CanaryState.PASSED
    try:
        store.decide_canary(canary.canary_id, state, failed, now=now)
    except TransitionConflictError:
        return []
    verdicts = tuple(verdict for path in canary.paths for verdict in failed_verdicts(path.name, path.failed_checks))
    return [Transition(canary.canary_id, None, state, verdicts)]


def settle_if_closed(
    store: CanaryStore, path: PathRecord, open_paths: int | None, *, now: datetime
) -> list[Transition]:
    """Settle the canary when no path is left open by its count (`store.schema`); the whole canary is read only
    then, so a round of N paths costs N small writes and one full read, not N full reads."""
    if not path.state.terminal:
        return []
    if open_paths is None:  # not counted here: a duplicate, a late event, a lost race, a retry
        progress = store.progress(path.canary_id)
        if progress is None or progress[0].terminal:
            return []
        open_paths = progress[1]
    if open_paths is not None and open_paths > 0:
        return []  # the decision that closes the last open path settles the canary
    canary = store.get(path.canary_id)
    return settle(store, canary, now=now) if canary is not None else []
