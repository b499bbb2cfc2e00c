"""Match SES events to canaries and decide them: `handle(summaries, store=..., now=...)`.

For each event: find the canary path by SES message id, record the event on it (once), measure it, and, when
every expected outcome on the path is in, decide the path; when every path is decided, decide the canary.
Every decision is a conditional write, so concurrent, duplicated or reordered deliveries decide each record
exactly once and never move it backwards. Metrics are produced only by the invocation whose write took effect.
Events for messages that are not our canaries are counted and otherwise ignored.

Metrics follow the one contract in `mailcanary.report.observability`: DeliveryLatency per delivered recipient and
Bounce per bounced recipient when an event is first recorded; CanaryPassed or CanaryFailed (Path, Target) and
one CheckFailed per failed check when a path is decided; UnmatchedSesEvent and LateSesEvent as counters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from mailcanary.core.checks import CanaryState, Verdict
from mailcanary.decide.evaluate import evaluate
from mailcanary.decide.idempotency import IdempotencyOptions, event_key, once_per_event
from mailcanary.report import observability as obs
from mailcanary.report.observability import MetricObservation
from mailcanary.ses.events import EventType, SesEventSummary
from mailcanary.ses.simulator import scenario_of
from mailcanary.store import (
    CanaryRecord,
    CanaryStore,
    FailedCheck,
    ObservedEvent,
    PathRecord,
    SentMessage,
    TransitionConflictError,
)

__all__ = [
    "EventOutcome",
    "ReconcileReport",
    "Transition",
    "failed_verdicts",
    "handle",
    "path_decided_metrics",
    "settle",
    "transition_summary",
]

_UNDETERMINED_BOUNCE = "Undetermined"


class EventOutcome(StrEnum):
    """What became of one delivered SES event."""

    APPLIED = "applied"  # first time seen: recorded on its canary path
    DUPLICATE = "duplicate"  # seen before (idempotency record or the path already had it)
    LATE = "late"  # recorded, but its path had already been declared lost: it changes nothing
    UNMATCHED = "unmatched"  # not a message of any canary we know


@dataclass(frozen=True, slots=True)
class Transition:
    """A record that left `pending` because of this invocation; `path` is None for the canary itself.

    `verdicts` holds one failed `Verdict` per failed check, each naming the path it failed on.
    """

    canary_id: str
    path: str | None
    state: CanaryState
    verdicts: tuple[Verdict, ...] = ()


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


@dataclass(frozen=True, slots=True)
class _EventResult:
    key: str
    outcome: EventOutcome
    transitions: tuple[Transition, ...] = ()
    metrics: tuple[MetricObservation, ...] = ()


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one batch of SES events did: per-outcome counts, decisions taken, metrics to emit."""

    outcomes: dict[EventOutcome, int] = field(default_factory=dict)
    transitions: tuple[Transition, ...] = ()
    metrics: tuple[MetricObservation, ...] = ()
    unparseable: tuple[str, ...] = ()  # why each undecodable SNS record was skipped (set by the service)
    alerts_published: int = 0  # set by the service after publishing

    def to_summary(self) -> dict[str, Any]:
        """JSON for the Lambda console: event counts, every decision taken, alerts sent."""
        return {
            "events": {outcome.value: count for outcome, count in sorted(self.outcomes.items())},
            "unparseable": list(self.unparseable),
            "decided": [transition_summary(t) for t in self.transitions],
            "alerts_published": self.alerts_published,
        }

    @property
    def alerts(self) -> tuple[Verdict, ...]:
        """Failed verdicts of canaries decided `failed` or `lost` in this batch."""
        return tuple(
            verdict
            for transition in self.transitions
            if transition.path is None and transition.state in (CanaryState.FAILED, CanaryState.LOST)
            for verdict in transition.verdicts
        )


def _observed(summary: SesEventSummary, key: str) -> ObservedEvent:
    stamp = summary.timestamp
    if stamp is not None and stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)  # SES timestamps are UTC ("...Z"); never compare naive with aware
    return ObservedEvent(
        key=key,
        event_type=summary.event_type,
        timestamp=stamp,
        destination=summary.destination,
        recipients=summary.recipients,
        bounce_type=summary.bounce_type,
        bounce_subtype=summary.bounce_subtype,
        header_recipients=_header_recipients(summary.headers),
    )


def _header_recipients(headers: Mapping[str, str]) -> tuple[str, ...] | None:
    """The To/Cc addresses in `mail.headers` (the message as SES received it); None when SES sent no headers."""
    if not headers:
        return None
    from mailcanary.recipients import parse_header_recipients  # the header registry only when SES sent headers

    block = "".join(f"{name}: {value}\r\n" for name, value in headers.items() if name.lower() in ("to", "cc"))
    return tuple(address.addr_spec for address in parse_header_recipients(block).in_fields("To", "Cc"))


def _locate(store: CanaryStore, summary: SesEventSummary) -> SentMessage | None:
    """The send (canary, path, envelope, expectations) of the event's message.

    The message-id index is eventually consistent, so a miss falls back to the canary id our simulator
    recipients carry as their `+label`, read with a consistent query.
    """
    found = store.find_send(summary.message_id)
    if found is not None:
        return found
    labels = {
        address.rpartition("@")[0].partition("+")[2]
        for address in summary.destination
        if scenario_of(address) is not None
    }
    for label in sorted(label for label in labels if label):
        canary = store.get(label)
        for path in canary.paths if canary else ():
            if path.ses_message_id == summary.message_id and path.sent is not None:
                return path.sent
    return None


def _event_metrics(path: PathRecord, event: ObservedEvent) -> list[MetricObservation]:
    """DeliveryLatency per recipient a Delivery names; Bounce per recipient a Bounce names."""
    metrics: list[MetricObservation] = []
    if event.event_type is EventType.DELIVERY and event.timestamp is not None and path.sent_at is not None:
        elapsed_ms = max((event.timestamp - path.sent_at).total_seconds() * 1000, 0.0)
        metrics += [obs.delivery_latency(path.kind, path.target, elapsed_ms) for _ in event.recipients or (None,)]
    elif event.event_type is EventType.BOUNCE:
        bounce_type = event.bounce_type.value if event.bounce_type is not None else _UNDETERMINED_BOUNCE
        metrics += [obs.bounce(bounce_type) for _ in event.recipients or (None,)]
    return metrics


def path_decided_metrics(
    path: PathRecord, state: CanaryState, checks: Iterable[FailedCheck]
) -> list[MetricObservation]:
    """CanaryPassed, or CanaryFailed (per path and rollup) plus one CheckFailed per distinct failed check."""
    if state is CanaryState.PASSED:
        return [obs.canary_passed(path.kind, path.target)]
    metrics = obs.canary_failed(path.kind, path.target)
    return metrics + [obs.check_failed(check) for check in sorted({failed.check for failed in checks})]


def _decide(store: CanaryStore, path: PathRecord, now: datetime) -> tuple[list[Transition], list[MetricObservation]]:
    """Decide the path if its outcome is complete, then the canary if all its paths are decided.

    The whole canary is read only when no path is left open by the canary's count (`store.schema`), so a
    round of N paths costs N small writes and one full read, not N full reads.
    """
    transitions: list[Transition] = []
    metrics: list[MetricObservation] = []
    open_paths: int | None = None
    decided_here = False
    if not path.state.terminal:
        verdict = evaluate(path)
        if not verdict.complete:
            return transitions, metrics  # this path is still open, so its canary cannot be decided yet
        try:
            decision = store.decide_path(path.canary_id, path.name, verdict.state, verdict.failed, now=now)
        except TransitionConflictError:
            pass  # decided by a concurrent invocation (or swept lost): theirs stands
        else:
            decided_here, open_paths = True, decision.open_paths
            transitions.append(
                Transition(path.canary_id, path.name, verdict.state, failed_verdicts(path.name, verdict.failed))
            )
            metrics += path_decided_metrics(path, verdict.state, verdict.failed)
    if not decided_here:  # a duplicate, a late event, or a lost race: settle only if nothing is left open
        progress = store.progress(path.canary_id)
        if progress is None or progress[0].terminal:
            return transitions, metrics
        open_paths = progress[1]
    if open_paths is not None and open_paths > 0:
        return transitions, metrics  # the decision that closes the last open path settles the canary
    canary = store.get(path.canary_id)
    settled, settled_metrics = settle(store, canary, now=now) if canary is not None else ([], [])
    return transitions + settled, metrics + settled_metrics


def settle(
    store: CanaryStore, canary: CanaryRecord, *, now: datetime
) -> tuple[list[Transition], list[MetricObservation]]:
    """Decide a pending canary whose paths are all decided: failed if any path failed, else passed.

    Safe to call from anywhere at any time: only the caller whose conditional write wins gets a transition.
    The canary itself adds no metric (its paths were counted when they were decided); the list stays for
    callers that collect metrics alongside transitions.
    """
    if canary.state.terminal or not all(path.state.terminal for path in canary.paths):
        return [], []
    failed = tuple(check for path in canary.paths for check in path.failed_checks)
    state = CanaryState.FAILED if failed else CanaryState.PASSED
    try:
        store.decide_canary(canary.canary_id, state, failed, now=now)
    except TransitionConflictError:
        return [], []
    metrics: list[MetricObservation] = []
    verdicts = tuple(verdict for path in canary.paths for verdict in failed_verdicts(path.name, path.failed_checks))
    return [Transition(canary.canary_id, None, state, verdicts)], metrics


def _reconcile_one(store: CanaryStore, summary: SesEventSummary, key: str, now: datetime) -> _EventResult:
    sent = _locate(store, summary)
    if sent is None:
        return _EventResult(key, EventOutcome.UNMATCHED, metrics=(obs.unmatched_ses_event(),))
    event = _observed(summary, key)
    recorded = store.record_event(sent.canary_id, sent.path_name, event)
    path = recorded.path.with_sent(sent)  # the path item holds the state; what it sent is in its send item
    metrics: list[MetricObservation] = []
    outcome = EventOutcome.DUPLICATE
    if recorded.applied:
        metrics += _event_metrics(path, event)
        outcome = EventOutcome.APPLIED
        if path.state is CanaryState.LOST:
            outcome = EventOutcome.LATE
            metrics.append(obs.late_ses_event())
    # Decide even for a duplicate: a retry after a crash between recording and deciding must finish the job.
    transitions, decided = _decide(store, path, now)
    return _EventResult(key, outcome, tuple(transitions), tuple(metrics + decided))


def handle(
    summaries: Iterable[SesEventSummary],
    *,
    store: CanaryStore,
    now: datetime,
    idempotency: IdempotencyOptions | None = None,
    emit: Callable[[MetricObservation], None] | None = None,
) -> ReconcileReport:
    """Reconcile a batch of SES events with the canary records and return what changed.

    With `idempotency`, each SES event is processed once per idempotency window (Powertools, DynamoDB); the
    store's conditional writes keep the result exact without it too. `emit`, when given, receives every
    metric observation as well. A `StoreError` propagates, so the invocation fails and SNS retries it.
    """
    fresh: list[_EventResult] = []

    def process(*, event_id: str, summary: SesEventSummary) -> dict[str, Any]:
        result = _reconcile_one(store, summary, event_id, now)
        fresh.append(result)
        return {"event_id": event_id, "outcome": result.outcome.value}

    run = once_per_event(process, idempotency) if idempotency is not None else process
    outcomes: dict[EventOutcome, int] = {}
    transitions: list[Transition] = []
    metrics: list[MetricObservation] = []
    for summary in summaries:
        before = len(fresh)
        key = event_key(summary)
        run(event_id=key, summary=summary)
        result = fresh[-1] if len(fresh) > before else _EventResult(key, EventOutcome.DUPLICATE)
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        transitions += result.transitions
        metrics += result.metrics
    if emit is not None:
        for observation in metrics:
            emit(observation)
    return ReconcileReport(outcomes, tuple(transitions), tuple(metrics))
