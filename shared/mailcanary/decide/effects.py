"""What a stored decision owes the outside world, and delivering it exactly once per successful retry sequence.

A decision is a conditional DynamoDB write; its metrics (EMF lines on stdout) and its alert (SNS) cannot join
that write. So the write records what it owes on the item (`store.records.Effect`, the `effects_owed` set),
the effects are derived from the *stored* state, not from "I just made the transition", delivered, and
forgotten with one more write. Whoever finds an effect still owed under its own name delivers it: a Lambda
retry of the same SES event (the owner is the event's key; Powertools idempotency lets one invocation at a time
work on one key) or the next sweep (owner `sweep`).

Order of delivery: the alert, then the write that forgets what was owed, then the metrics.
- The alert publisher deduplicates per (path, check) (`mailcanary.report.alerts`): an alert published by an invocation
  that failed afterwards is suppressed when the retry publishes it again, so it goes out once. (Should a later
  canary's pass close that failure before the retry arrives, the retry alerts again: a repeat, never a loss.)
- The metrics are printed only after the forgetting write succeeded: a failed write prints nothing, and the
  retry, which finds them still owed, prints them. So a failure at any DynamoDB call neither loses nor repeats
  a metric or an alert.
- An alert that could not be published stays owed: the metrics are forgotten and printed anyway (the alarm is
  not held back) and the failure propagates, so the SES event is retried; a sweep leaves the canary listed.

The residual window, stated honestly: nothing transactional spans DynamoDB and stdout. A process killed after
the forgetting write landed and before the EMF lines were printed (a timeout or crash in those microseconds)
loses those metrics; the retry finds nothing owed. Printing first would instead repeat them whenever the
forgetting write failed, which is the far likelier event. So metrics are exactly once per successful sequence
of invocations, at most once across a crash in that window. Counters with no stored state to owe them on
(UnmatchedSesEvent) are at least once: repeated if the idempotency record could not be completed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mailcanary.core.checks import CanaryState
from mailcanary.decide.transitions import Transition, failed_verdicts
from mailcanary.report import observability as obs
from mailcanary.report.alerts import AlertError
from mailcanary.report.observability import MetricObservation
from mailcanary.ses.events import EventType
from mailcanary.store import CanaryStore, Effect, ObservedEvent, PathRecord, owed

__all__ = ["EffectSink", "deliver_owed", "owed_under"]

_UNDETERMINED_BOUNCE = "Undetermined"


def _no_metrics(_: Sequence[MetricObservation]) -> None:
    return None


def _no_alert(_: Transition) -> int:
    return 0


@dataclass(frozen=True, slots=True)
class EffectSink:
    """Where effects go. The services pass `obs.emit` and their alert publisher; by default nothing leaves (the
    report still lists every metric), which is what tests and benchmarks of the decision logic want.

    `alert(transition)` publishes the alert of one path decision (a failure) or clears its late checks (a pass),
    returns how many SNS messages went out, and raises `mailcanary.report.alerts.AlertError` when it could not.
    """

    emit: Callable[[Sequence[MetricObservation]], object] = _no_metrics
    alert: Callable[[Transition], int] = _no_alert


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


def owed_under(path: PathRecord, key: str) -> tuple[list[MetricObservation], Transition | None, set[str]]:
    """What the stored path still owes under event `key`: metrics, the decision to alert on, the tokens owed.

    Derived from the stored state alone, so an invocation that made the change and a retry that finds it made
    deliver the same effects.
    """
    tokens = set(
        path.effects_owed & {owed(effect, key) for effect in (Effect.EVENT_METRICS, Effect.METRICS, Effect.ALERT)}
    )
    metrics: list[MetricObservation] = []
    event = next((event for event in path.events if event.key == key), None)
    if owed(Effect.EVENT_METRICS, key) in tokens and event is not None:
        metrics += _event_metrics(path, event)
        if path.state is CanaryState.LOST:
            metrics.append(obs.late_ses_event())
    arrival = next((arrival for arrival in path.arrivals if arrival.key == key), None)
    if owed(Effect.EVENT_METRICS, key) in tokens and arrival is not None and path.sent_at is not None:
        elapsed_ms = max((arrival.received_at - path.sent_at).total_seconds() * 1000, 0.0)
        metrics.append(obs.arrival_latency(path.kind, path.target, elapsed_ms))
    decision = None
    if path.state.terminal and owed(Effect.METRICS, key) in tokens:
        metrics += obs.path_decided(path.kind, path.target, path.state, (f.check for f in path.failed_checks))
    if path.state.terminal and tokens & {owed(Effect.ALERT, key), owed(Effect.METRICS, key)}:
        verdicts = failed_verdicts(path.name, path.failed_checks)
        decision = Transition(path.canary_id, path.name, path.state, verdicts, arrival=path.awaits_arrival)
    return metrics, decision, tokens


def deliver_owed(
    store: CanaryStore, path: PathRecord, key: str, sink: EffectSink, *, counted: bool
) -> tuple[tuple[Transition, ...], list[MetricObservation], int]:
    """Deliver what `path` owes under `key` (the alert, the write that forgets what is owed, the metrics) and
    return the decision delivered, the metrics and how many alerts went out. `counted`: the path's count-down
    was done (or found owed) by this caller, so its token is forgotten too.

    An alert that could not be published stays owed: the rest is forgotten and the metrics printed, then the
    `AlertError` propagates so the invocation is retried (see the module docstring).
    """
    metrics, decision, tokens = owed_under(path, key)
    if counted:
        tokens.add(owed(Effect.COUNT_DOWN))
    published = 0
    try:
        if decision is not None and owed(Effect.ALERT, key) in tokens:
            published = sink.alert(decision)
    except AlertError:
        store.delivered(path.canary_id, path.name, tokens - {owed(Effect.ALERT, key)})
        sink.emit(metrics)  # the alarm still sees the decision; only the alert stays owed for the retry
        raise
    store.delivered(path.canary_id, path.name, tokens)
    sink.emit(metrics)  # printed right after the write that forgets them: the residual window
    return ((decision,) if decision is not None else ()), metrics, published
