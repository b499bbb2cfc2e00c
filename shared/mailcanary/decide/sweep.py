"""Sweep overdue canaries: every canary still `pending` after its deadline becomes `lost`, loudly.

Nothing is silently dropped. Overdue canaries are read from the sparse `by-pending` index (only undecided
canaries are in it, sorted by deadline), so a sweep costs one query plus one read and one transaction per
overdue canary, however large the table. A sweep handles at most `limit` canaries; any it leaves behind stay
pending and listed, and the report (and the function's log) says so.

Each lost path counts as CanaryFailed (Path, Target) with CheckFailed{Check=lost}, the metric the CanaryLost
alarm watches (see `mailcanary.report.observability`), and alerts once; a path that awaited its arrived copy
fails `delivery.arrived` instead ("never arrived", the NotArrived alarm). Both are owed on the canary item by the
write that marks it lost, which keeps it listed until they are delivered: a sweep that fails half-way leaves them to
the next sweep, which delivers each exactly once (`mailcanary.decide.effects`).

Lost is terminal: an event arriving afterwards is recorded and counted as late but changes no state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from mailcanary.core.checks import CanaryState, Check, Verdict
from mailcanary.decide.arrival_state import arrival_findings, missing_copies
from mailcanary.decide.effects import EffectSink
from mailcanary.decide.evaluate import evaluate
from mailcanary.decide.transitions import Transition, failed_verdicts, settle, transition_summary
from mailcanary.report import observability as obs
from mailcanary.report.alerts import AlertError
from mailcanary.report.observability import MetricObservation
from mailcanary.store import CanaryRecord, CanaryStore, Effect, FailedCheck, PathRecord, TransitionConflictError, owed
from mailcanary.store.decisions import SWEEP_OWES, SWEEP_OWNER

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
    alerts_published: int = 0
    alert_errors: tuple[str, ...] = ()  # alerts left owed for the next sweep, and why

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
            "alert_errors": list(self.alert_errors),
        }

    @property
    def alerts(self) -> tuple[Verdict, ...]:
        """Failed verdicts of the canaries this sweep decided: one `lost` verdict per lost path."""
        return tuple(verdict for t in self.transitions if t.path is None for verdict in t.verdicts)


def _lost_checks(path: PathRecord, canary: CanaryRecord) -> tuple[FailedCheck, ...]:
    """The failed checks of a path still pending at the deadline: what never arrived (`lost`, or for a path
    that awaited its arrived copy, `delivery.arrived` or, with some copies in, `delivery.envelope` for the
    recipients whose copy never came, plus what the arrived copies' own bytes failed)."""
    if not path.awaits_arrival:
        return (_lost_check(path, canary),)
    deadline = canary.deadline.isoformat()
    if not path.arrivals:  # sent to a target that is not SES: only its copy could decide it, and none came
        where = ", ".join(path.envelope) or "its recipients"
        return (FailedCheck(Check.DELIVERY_ARRIVED, f"never arrived: no copy for {where} by {deadline}"),)
    missing = missing_copies(path)
    dropped = (FailedCheck(Check.DELIVERY_ENVELOPE, f"no copy for {list(missing)} by {deadline}"),) if missing else ()
    return dropped + arrival_findings(path)


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


def _lost_effects(canary: CanaryRecord) -> tuple[list[Transition], list[MetricObservation]]:
    """The decisions of a canary swept lost and their metrics, from its stored paths: every lost path (only a
    sweep makes a path lost) counts once and alerts once."""
    lost = [path for path in canary.paths if path.state is CanaryState.LOST]
    transitions = [
        Transition(canary.canary_id, path.name, CanaryState.LOST, failed_verdicts(path.name, path.failed_checks))
        for path in lost
    ]
    every = tuple(verdict for transition in transitions for verdict in transition.verdicts)
    transitions.append(Transition(canary.canary_id, None, CanaryState.LOST, every))
    metrics = [
        metric
        for path in lost
        for metric in obs.path_decided(path.kind, path.target, CanaryState.LOST, (f.check for f in path.failed_checks))
    ]
    return transitions, metrics


def _deliver(store: CanaryStore, canary: CanaryRecord, sink: EffectSink) -> _Swept:
    """Deliver what a canary swept lost still owes: alerts, the write that forgets it, metrics (see `effects`).

    A failed alert leaves the alert owed and the canary listed, so the next sweep publishes it; its metrics are
    delivered anyway so the CanaryLost alarm is not held back.
    """
    transitions, metrics = _lost_effects(canary)
    metrics_owed, alert_owed = (owed(effect, SWEEP_OWNER) for effect in (Effect.METRICS, Effect.ALERT))
    metrics = metrics if metrics_owed in canary.effects_owed else []
    published = 0
    try:
        for transition in transitions if alert_owed in canary.effects_owed else ():
            published += sink.alert(transition) if transition.path is not None else 0
    except AlertError as exc:
        store.delivered_sweep(canary.canary_id, canary.effects_owed - {alert_owed}, unlist=False)
        sink.emit(metrics)
        return _Swept(transitions, metrics, published, alert_error=str(exc))
    store.delivered_sweep(canary.canary_id, canary.effects_owed, unlist=True)
    sink.emit(metrics)  # printed right after the write that forgets them: the residual window (`effects`)
    return _Swept(transitions, metrics, published)


@dataclass(frozen=True, slots=True)
class _Swept:
    transitions: list[Transition] = field(default_factory=list)
    metrics: list[MetricObservation] = field(default_factory=list)
    published: int = 0
    alert_error: str = ""


def _sweep_one(store: CanaryStore, canary_id: str, now: datetime, sink: EffectSink) -> _Swept:
    """Mark one overdue canary lost and deliver its effects, or deliver what an earlier sweep still owes; raises
    `TransitionConflictError` when it kept changing under us."""
    for _ in range(_ATTEMPTS):
        canary = store.get(canary_id)
        if canary is not None and canary.state is CanaryState.LOST and canary.effects_owed:
            return _deliver(store, canary, sink)  # an earlier sweep failed after its decision: finish its job
        if canary is None or canary.state.terminal or canary.deadline > now:
            return _Swept()  # decided meanwhile (the index lags), expired by TTL, or not overdue after all
        pending = [path for path in canary.paths if not path.state.terminal]
        # Paths lost while the canary is still pending were left so by a `mark_lost` that did not finish (a
        # canary with more paths than one transaction holds): nobody counted them yet, so this sweep does.
        carried = [path for path in canary.paths if path.state is CanaryState.LOST]
        if not pending and not carried:
            return _Swept(settle(store, canary, now=now))  # every path decided; only the canary write was missing
        checks: dict[str, tuple[FailedCheck, ...]] = {path.name: _lost_checks(path, canary) for path in pending}
        try:
            store.mark_lost(canary, checks, now=now)
        except TransitionConflictError:
            continue  # a path was decided between our read and our write: read again
        lost_paths = tuple(
            replace(path, state=CanaryState.LOST, failed_checks=checks[path.name]) if path.name in checks else path
            for path in canary.paths
        )  # what mark_lost stored, without reading it back
        swept = replace(canary, state=CanaryState.LOST, paths=lost_paths, effects_owed=frozenset(SWEEP_OWES))
        return _deliver(store, swept, sink)
    raise TransitionConflictError(f"canary {canary_id} kept changing while being swept", current=None)


def sweep(
    *,
    store: CanaryStore,
    now: datetime,
    limit: int = DEFAULT_SWEEP_LIMIT,
    effects: EffectSink | None = None,
) -> SweepReport:
    """Mark every canary still pending past its deadline `lost` (at most `limit` per sweep), and deliver what
    each owes: its metrics and alerts, exactly once even when an earlier sweep failed half-way (`effects`).

    Each canary's deadline was fixed when it was created (`Settings.lost_after_seconds` after its start).
    A `StoreError` propagates: the scheduled invocation fails and its error alarm fires; what it left owed is
    delivered by the next sweep. An alert that could not be published is reported in `alert_errors`.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    sink = effects or EffectSink()
    overdue, backlog = store.overdue(now=now, limit=limit)
    transitions: list[Transition] = []
    metrics: list[MetricObservation] = []
    deferred: list[str] = []
    errors: list[str] = []
    published = 0
    for canary_id in overdue:
        try:
            swept = _sweep_one(store, canary_id, now, sink)
        except TransitionConflictError:
            deferred.append(canary_id)
            continue
        transitions += swept.transitions
        metrics += swept.metrics
        published += swept.published
        errors += [f"{canary_id}: {swept.alert_error}"] if swept.alert_error else []
    return SweepReport(
        len(overdue), tuple(transitions), tuple(deferred), backlog, tuple(metrics), published, tuple(errors)
    )
