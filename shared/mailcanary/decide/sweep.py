"""Sweep overdue canaries: every canary still `pending` after its deadline becomes `lost`, loudly.

Nothing is silently dropped. Overdue canaries are read from the sparse `by-pending` index (only undecided
canaries are in it, sorted by deadline), so a sweep costs one query plus one read and one transaction per
overdue canary, however large the table. A sweep handles at most `limit` canaries; any it leaves behind stay
pending and listed, and the report (and the function's log) says so.

Each lost path counts as CanaryFailed (Path, Target) with CheckFailed{Check=lost}, the metric the CanaryLost
alarm watches (see `mailcanary.report.observability`).

Lost is terminal: an event arriving afterwards is recorded and counted as late but changes no state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailcanary.core.checks import CanaryState, Check, Verdict
from mailcanary.decide.evaluate import evaluate
from mailcanary.decide.reconcile import Transition, failed_verdicts, path_decided_metrics, settle, transition_summary
from mailcanary.report.observability import MetricObservation
from mailcanary.store import CanaryRecord, CanaryStore, FailedCheck, PathRecord, TransitionConflictError

__all__ = ["DEFAULT_SWEEP_LIMIT", "SweepReport", "sweep"]

DEFAULT_SWEEP_LIMIT = 200
_ATTEMPTS = 3  # a canary whose paths keep changing under us is retried on the next sweep


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What one sweep did: overdue canaries seen, decisions taken, any left for the next sweep, metrics."""

    examined: int
    transitions: tuple[Transition, ...]
    deferred: tuple[str, ...]  # overdue canaries whose write kept conflicting; still pending and listed
    backlog: bool  # more overdue canaries than `limit`
    metrics: tuple[MetricObservation, ...]
    alerts_published: int = 0  # set by the service after publishing

    @property
    def lost(self) -> tuple[str, ...]:
        return tuple(t.canary_id for t in self.transitions if t.path is None and t.state is CanaryState.LOST)

    def to_summary(self) -> dict[str, Any]:
        """JSON for the Lambda console: what was examined, lost, deferred, and alerts sent."""
        return {
            "examined": self.examined,
            "lost": list(self.lost),
            "deferred": list(self.deferred),
            "backlog": self.backlog,
            "decided": [transition_summary(t) for t in self.transitions],
            "alerts_published": self.alerts_published,
        }

    @property
    def alerts(self) -> tuple[Verdict, ...]:
        """Failed verdicts of the canaries this sweep decided: one `lost` verdict per lost path."""
        return tuple(verdict for t in self.transitions if t.path is None for verdict in t.verdicts)


def _lost_check(path: PathRecord, canary: CanaryRecord) -> FailedCheck:
    """The `lost` check for a path, saying what never arrived and what had been seen by the deadline."""
    deadline = canary.deadline.isoformat()
    if path.ses_message_id is None:
        return FailedCheck(Check.LOST, f"no SES message id recorded by {deadline}: the send never completed")
    verdict = evaluate(path)
    detail = f"no outcome by {deadline} for {path.ses_message_id}: " + "; ".join(verdict.waiting or ("undecided",))
    if verdict.failed:
        detail += " (also seen: " + "; ".join(f"{failed.check}: {failed.detail}" for failed in verdict.failed) + ")"
    return FailedCheck(Check.LOST, detail)


def _sweep_one(store: CanaryStore, canary_id: str, now: datetime) -> tuple[list[Transition], list[MetricObservation]]:
    """Mark one overdue canary lost; raises `TransitionConflictError` when it kept changing under us."""
    for _ in range(_ATTEMPTS):
        canary = store.get(canary_id)
        if canary is None or canary.state.terminal or canary.deadline > now:
            return [], []  # decided meanwhile (the index lags), expired by TTL, or not overdue after all
        pending = [path for path in canary.paths if not path.state.terminal]
        # Paths lost while the canary is still pending were left so by a `mark_lost` that did not finish (a
        # canary with more paths than one transaction holds): nobody counted them yet, so this sweep does.
        carried = [path for path in canary.paths if path.state is CanaryState.LOST]
        if not pending and not carried:
            return settle(store, canary, now=now)  # every path was decided; only the canary write was missing
        checks: dict[str, tuple[FailedCheck, ...]] = {path.name: (_lost_check(path, canary),) for path in pending}
        try:
            store.mark_lost(canary, checks, now=now)
        except TransitionConflictError:
            continue  # a path was decided between our read and our write: read again
        checks |= {path.name: path.failed_checks for path in carried}
        transitions = [
            Transition(canary_id, name, CanaryState.LOST, failed_verdicts(name, path_checks))
            for name, path_checks in checks.items()
        ]
        every = tuple(verdict for transition in transitions for verdict in transition.verdicts)
        transitions.append(Transition(canary_id, None, CanaryState.LOST, every))
        metrics = [
            metric
            for path in (*carried, *pending)
            for metric in path_decided_metrics(path, CanaryState.LOST, checks[path.name])
        ]
        return transitions, metrics
    raise TransitionConflictError(f"canary {canary_id} kept changing while being swept", current=None)


def sweep(
    *,
    store: CanaryStore,
    now: datetime,
    limit: int = DEFAULT_SWEEP_LIMIT,
    emit: Callable[[MetricObservation], None] | None = None,
) -> SweepReport:
    """Mark every canary still pending past its deadline `lost` (at most `limit` per sweep).

    Each canary's deadline was fixed when it was created (`Settings.lost_after_seconds` after its start).
    A `StoreError` propagates: the scheduled invocation fails and its error alarm fires.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    overdue, backlog = store.overdue(now=now, limit=limit)
    transitions: list[Transition] = []
    metrics: list[MetricObservation] = []
    deferred: list[str] = []
    for canary_id in overdue:
        try:
            swept, swept_metrics = _sweep_one(store, canary_id, now)
        except TransitionConflictError:
            deferred.append(canary_id)
            continue
        transitions += swept
        metrics += swept_metrics
    if emit is not None:
        for observation in metrics:
            emit(observation)
    return SweepReport(len(overdue), tuple(transitions), tuple(deferred), backlog, tuple(metrics))
