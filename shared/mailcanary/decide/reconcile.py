"""Match SES events to canaries and decide them: `handle(summaries, store=..., now=...)`.

For each event: find the canary path by SES message id, record the event on it (once), measure it, and, when
every expected outcome on the path is in, decide the path; when every path is decided, decide the canary.
Every decision is a conditional write, so concurrent, duplicated or reordered deliveries decide each record
exactly once and never move it backwards. Each write that records an event or decides a path also records the
metrics and the alert it owes, under the event's key; they are delivered from the stored state and then
forgotten, so a Lambda retry after a failure at any DynamoDB call delivers what is still owed, once
(`mailcanary.decide.effects` says how, and where the guarantee ends). Events for messages that are not our canaries
are counted and otherwise ignored.

Metrics follow the one contract in `mailcanary.report.observability`: DeliveryLatency per delivered recipient and
Bounce per bounced recipient when an event is first recorded; CanaryPassed or CanaryFailed (Path, Target) and
one CheckFailed per failed check when a path is decided; UnmatchedSesEvent and LateSesEvent as counters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from mailcanary.core.checks import CanaryState, Verdict
from mailcanary.decide.effects import EffectSink, deliver_owed
from mailcanary.decide.evaluate import evaluate
from mailcanary.decide.idempotency import IdempotencyOptions, event_key, once_per_event
from mailcanary.decide.transitions import Transition, settle_if_closed, transition_summary
from mailcanary.report import observability as obs
from mailcanary.report.observability import MetricObservation
from mailcanary.ses.events import SesEventSummary
from mailcanary.ses.simulator import scenario_of
from mailcanary.store import (
    CanaryStore,
    Effect,
    ObservedEvent,
    PathRecord,
    SentMessage,
    TransitionConflictError,
    owed,
)

__all__ = ["EventDisposition", "ReconcileReport", "handle"]


class EventDisposition(StrEnum):
    """What became of one delivered SES event."""

    APPLIED = "applied"  # first time seen: recorded on its canary path
    DUPLICATE = "duplicate"  # seen before (idempotency record or the path already had it)
    LATE = "late"  # recorded, but its path had already been declared lost: it changes nothing
    UNMATCHED = "unmatched"  # not a message of any canary we know


@dataclass(frozen=True, slots=True)
class _EventResult:
    key: str
    outcome: EventDisposition
    transitions: tuple[Transition, ...] = ()
    metrics: tuple[MetricObservation, ...] = ()
    alerts_published: int = 0


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one batch of SES events did: per-outcome counts, decisions taken, metrics to emit."""

    outcomes: dict[EventDisposition, int] = field(default_factory=dict)
    transitions: tuple[Transition, ...] = ()
    metrics: tuple[MetricObservation, ...] = ()
    unparseable: tuple[str, ...] = ()  # why each undecodable SNS record was skipped (set by the service)
    alerts_published: int = 0

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


def _deliver(store: CanaryStore, path: PathRecord, key: str, sink: EffectSink, counted: bool) -> _EventResult:
    """Deliver what `path` owes under `key`: the alert, the write that forgets what is owed, the metrics."""
    transitions, metrics, published = deliver_owed(store, path, key, sink, counted=counted)
    return _EventResult(key, EventDisposition.DUPLICATE, transitions, tuple(metrics), published)


def _decide(store: CanaryStore, path: PathRecord, key: str, now: datetime) -> tuple[PathRecord, int | None, bool]:
    """Decide the path if its outcome is complete; (the path as stored, open paths left if counted, whether the
    path's count-down was done or found owed here)."""
    if path.state.terminal:
        if owed(Effect.COUNT_DOWN) not in path.effects_owed:
            return path, None, False
        return path, store.count_down(path.canary_id, path.name), True  # a crash left the count-down owed
    verdict = evaluate(path)
    if not verdict.complete:
        return path, None, False  # this path is still open, so its canary cannot be decided yet
    owes = (owed(Effect.METRICS, key), owed(Effect.ALERT, key))
    try:
        decision = store.decide_path(path.canary_id, path.name, verdict.state, verdict.failed, now=now, owes=owes)
    except TransitionConflictError:
        return path, None, False  # decided by a concurrent invocation (or swept lost): theirs stands, and owes
    return decision.path.with_sent(path.sent) if path.sent else decision.path, decision.open_paths, True


def _reconcile_one(
    store: CanaryStore, summary: SesEventSummary, key: str, now: datetime, sink: EffectSink
) -> _EventResult:
    sent = _locate(store, summary)
    if sent is None:
        unmatched = (obs.unmatched_ses_event(),)
        sink.emit(unmatched)  # nothing stored to owe it on: at least once if the idempotency record is lost
        return _EventResult(key, EventDisposition.UNMATCHED, metrics=unmatched)
    recorded = store.record_event(
        sent.canary_id, sent.path_name, _observed(summary, key), owes=(owed(Effect.EVENT_METRICS, key),)
    )
    path = recorded.path.with_sent(sent)  # the path item holds the state; what it sent is in its send item
    outcome = EventDisposition.APPLIED if recorded.applied else EventDisposition.DUPLICATE
    if owed(Effect.EVENT_METRICS, key) in path.effects_owed:
        # (re)applied now
        outcome = EventDisposition.LATE if path.state is CanaryState.LOST else EventDisposition.APPLIED
    # Decide and deliver even for a duplicate: a retry after a crash anywhere in between must finish the job.
    path, open_paths, counted = _decide(store, path, key, now)
    delivered = _deliver(store, path, key, sink, counted)
    settled = settle_if_closed(store, path, open_paths, now=now)
    return replace(delivered, outcome=outcome, transitions=delivered.transitions + tuple(settled))


def handle(
    summaries: Iterable[SesEventSummary],
    *,
    store: CanaryStore,
    now: datetime,
    idempotency: IdempotencyOptions | None = None,
    effects: EffectSink | None = None,
) -> ReconcileReport:
    """Reconcile a batch of SES events with the canary records and return what changed.

    With `idempotency`, each SES event is processed once per idempotency window (Powertools, DynamoDB); the
    store's conditional writes keep the result exact without it too. `effects` receives every metric and alert
    as it is delivered (`mailcanary.decide.effects`); the report lists them too. A `StoreError` or an `AlertError`
    propagates, so the invocation fails, its idempotency record is released, and Lambda retries it; the retry
    delivers what the failed invocation still owed, exactly once.
    """
    sink = effects or EffectSink()
    fresh: list[_EventResult] = []

    def process(*, event_id: str, summary: SesEventSummary) -> dict[str, Any]:
        result = _reconcile_one(store, summary, event_id, now, sink)
        fresh.append(result)
        return {"event_id": event_id, "outcome": result.outcome.value}

    run = once_per_event(process, idempotency) if idempotency is not None else process
    outcomes: dict[EventDisposition, int] = {}
    transitions: list[Transition] = []
    metrics: list[MetricObservation] = []
    published = 0
    for summary in summaries:
        before = len(fresh)
        key = event_key(summary)
        run(event_id=key, summary=summary)
        result = fresh[-1] if len(fresh) > before else _EventResult(key, EventDisposition.DUPLICATE)
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        transitions += result.transitions
        metrics += result.metrics
        published += result.alerts_published
    return ReconcileReport(outcomes, tuple(transitions), tuple(metrics), alerts_published=published)
