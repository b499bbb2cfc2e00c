"""Decide a path from its arrived copy: match each copy to the path that sent it, record it once, judge it with
the arrival checks, and decide the path with the same conditional writes and owed effects as SES's events.

A copy names its canary in the canary header and its path by the Message-ID the path sent (each path sends its
own); a canary with a single path awaiting arrival takes a copy whose Message-ID was changed on the way, so the
headers check can say so instead of the copy going unmatched. Only paths that await arrival (a target that is
not SES, with a receiver configured: `SentMessage.awaits_arrival`) are decided here; a copy of a path SES's own
events decide is left to them.

Exactly once, as in `mailcanary.decide.reconcile`: recording an arrival is conditional on its key being new on
the path and owes its ArrivalLatency; deciding the path is conditional on `pending` and owes its metrics
(CanaryPassed, or CanaryFailed and one CheckFailed per failed delivery check) and its alert, under the key of
the first copy. A retry of the same notification finds what is still owed and delivers it once; a path already
decided (e.g. swept as never arrived) keeps its decision, and the late copy only adds its latency.

A path is decided once every recipient of its envelope has a copy (SES inbound names all recipients of one SMTP
transaction in one receipt, so usually on the first copy) or, with copies still missing, by the next batch after
its deadline or by the sweep, which fails the missing recipients under `delivery.envelope` (no copy at all:
`delivery.arrived`, "never arrived"). Copies are judged together: a receiver's batch (one per mailbox, say)
and the copies recorded before it, whose own bytes were judged as they arrived (`ObservedArrival.findings`).
Copies arriving after the decision are recorded and measured but do not change it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from mailcanary.arrival.model import ArrivalJudge, ArrivedMessage
from mailcanary.core.checks import CanaryState, Check, Verdict
from mailcanary.decide.arrival_bounce import BounceJudge, bounce
from mailcanary.decide.arrival_match import arrival_key, expected_arrival, identity, path_of
from mailcanary.decide.arrival_state import arrival_findings, missing_copies
from mailcanary.decide.effects import EffectSink, deliver_owed
from mailcanary.decide.transitions import Transition, settle_if_closed, transition_summary
from mailcanary.report import observability as obs
from mailcanary.report.observability import MetricObservation
from mailcanary.store import (
    CanaryRecord,
    CanaryStore,
    Effect,
    FailedCheck,
    ObservedArrival,
    PathRecord,
    TransitionConflictError,
    owed,
)

__all__ = [
    "INTRINSIC",
    "ArrivalDisposition",
    "ArrivalReport",
    "arrival_key",
    "expected_arrival",
    "record_arrivals",
]

HEADER_BYTES = 256 * 1024  # the canary header and Message-ID are looked for in this much of a copy, at most
_CANARY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# Checks on a copy's own bytes (as opposed to which copies came when): kept with each copy as it arrives.
INTRINSIC = frozenset({Check.DELIVERY_HEADERS, Check.DELIVERY_AUTHENTICATION, Check.DELIVERY_PLACEMENT})


class ArrivalDisposition(StrEnum):
    """What became of one arrived copy."""

    APPLIED = "applied"  # recorded on the path awaiting it
    DUPLICATE = "duplicate"  # recorded before (a redelivery)
    LATE = "late"  # recorded, but its path had been decided already (e.g. swept as never arrived)
    NOT_AWAITED = "not_awaited"  # a copy of a path SES's events decide
    BOUNCED = "bounced"  # a bounce returned to the sender, matched to the path(s) it bounced
    UNMATCHED = "unmatched"  # no canary header, or no canary or path of ours


@dataclass(frozen=True, slots=True)
class ArrivalReport:
    """What one batch of arrived copies did: per-disposition counts, decisions taken, metrics delivered."""

    arrivals: dict[ArrivalDisposition, int] = field(default_factory=dict)
    transitions: tuple[Transition, ...] = ()
    metrics: tuple[MetricObservation, ...] = ()
    alerts_published: int = 0
    unreadable: tuple[str, ...] = ()  # why each notification that gave no copy was skipped (set by the service)

    def to_summary(self) -> dict[str, Any]:
        """JSON for the Lambda console: copies by disposition, every decision taken, alerts sent."""
        return {
            "arrivals": {disposition.value: count for disposition, count in sorted(self.arrivals.items())},
            "unreadable": list(self.unreadable),
            "decided": [transition_summary(t) for t in self.transitions],
            "alerts_published": self.alerts_published,
        }


def record_arrivals(
    copies: Sequence[ArrivedMessage],
    *,
    store: CanaryStore,
    judge: ArrivalJudge,
    now: datetime,
    effects: EffectSink | None = None,
    bounces: BounceJudge | None = None,
) -> ArrivalReport:
    """Record every copy on the path awaiting it and decide those paths; metrics and alerts go to `effects`.

    With `bounces`, a message without a canary header that returns a canary's headers (a DSN to the return
    path) is matched to the paths it bounces (`mailcanary.decide.arrival_bounce`), which fail at once.

    A `StoreError` or an `AlertError` propagates, so the invocation fails and is retried; the retry delivers
    what this one still owed, once.
    """
    sink = effects or EffectSink()
    counts: dict[ArrivalDisposition, int] = {}
    groups: dict[tuple[str, str], list[ArrivedMessage]] = {}
    canaries: dict[str, CanaryRecord | None] = {}
    metrics: list[MetricObservation] = []
    returned: list[ArrivedMessage] = []
    delivered_metrics: list[MetricObservation] = []  # emitted by their delivery already
    for copy in copies:
        canary_id, message_id = identity(copy.raw)
        if canary_id is None and bounces is not None:
            returned.append(copy)  # maybe a bounce of one of ours: matched below
            continue
        if canary_id is not None and canary_id not in canaries:
            canaries[canary_id] = store.get(canary_id)
        canary = canaries.get(canary_id) if canary_id is not None else None
        path, matched = path_of(canary, message_id)
        disposition = ArrivalDisposition(matched)
        if path is None:
            counts[disposition] = counts.get(disposition, 0) + 1
            if disposition is ArrivalDisposition.UNMATCHED:
                metrics.append(obs.unmatched_arrival())
            continue
        groups.setdefault((path.canary_id, path.name), []).append(copy)
    transitions: list[Transition] = []
    published = 0
    for copy in returned:
        bounced = bounce(store, copy, bounces, canaries, now, sink) if bounces is not None else None
        if bounced is None:
            counts[ArrivalDisposition.UNMATCHED] = counts.get(ArrivalDisposition.UNMATCHED, 0) + 1
            metrics.append(obs.unmatched_arrival())
            continue
        counts[ArrivalDisposition.BOUNCED] = counts.get(ArrivalDisposition.BOUNCED, 0) + 1
        transitions += bounced[0]
        published += bounced[2]
        delivered_metrics += bounced[1]
    sink.emit(metrics)  # nothing stored to owe them on: at least once
    metrics += delivered_metrics
    for (canary_id, name), group in groups.items():
        canary = canaries[canary_id]
        path = canary.path(name) if canary is not None else None
        assert path is not None  # grouped only when found
        outcome = _arrive(store, path, group, judge, now, sink)
        for disposition in outcome.dispositions:
            counts[disposition] = counts.get(disposition, 0) + 1
        transitions += outcome.transitions
        metrics += outcome.metrics
        published += outcome.published
    return ArrivalReport(counts, tuple(transitions), tuple(metrics), published)


@dataclass(frozen=True, slots=True)
class _Arrived:
    dispositions: list[ArrivalDisposition]
    transitions: list[Transition]
    metrics: list[MetricObservation]
    published: int


def _arrive(
    store: CanaryStore,
    sent_path: PathRecord,
    copies: Sequence[ArrivedMessage],
    judge: ArrivalJudge,
    now: datetime,
    sink: EffectSink,
) -> _Arrived:
    """Record the copies of one path, decide it once every recipient's copy is in (or its deadline passed),
    deliver what is owed, settle the canary."""
    keyed = sorted(((arrival_key(copy), copy) for copy in copies), key=lambda pair: pair[0])
    keys = list(dict.fromkeys(key for key, _ in keyed))
    verdicts = _judged(sent_path, copies, set(keys), judge, now)
    findings = tuple(_failed(verdict) for verdict in verdicts if not verdict.passed and verdict.check in INTRINSIC)
    dispositions: list[ArrivalDisposition] = []
    path = sent_path
    for key, copy in keyed:
        arrival = ObservedArrival(
            key, copy.received_at, copy.receiver.value, copy.envelope_recipients, copy.location, findings
        )
        recorded = store.record_arrival(path.canary_id, path.name, arrival, owes=(owed(Effect.EVENT_METRICS, key),))
        path = _with_send(recorded.path, sent_path)
        late = path.state.terminal and owed(Effect.METRICS, keys[0]) not in path.effects_owed
        if not recorded.applied and owed(Effect.EVENT_METRICS, key) not in path.effects_owed:
            dispositions.append(ArrivalDisposition.DUPLICATE)
        else:
            dispositions.append(ArrivalDisposition.LATE if late else ArrivalDisposition.APPLIED)
    # Decide and deliver even for a duplicate: a retry after a crash anywhere in between must finish the job.
    path, open_paths, counted = _decide(store, path, keys[0], verdicts, now)
    transitions: list[Transition] = []
    metrics: list[MetricObservation] = []
    published = 0
    for index, key in enumerate(keys):
        delivered, key_metrics, sent = deliver_owed(store, path, key, sink, counted=counted and index == 0)
        transitions += delivered
        metrics += key_metrics
        published += sent
    transitions += settle_if_closed(store, path, open_paths, now=now)
    return _Arrived(dispositions, transitions, metrics, published)


def _judged(
    path: PathRecord, copies: Sequence[ArrivedMessage], keys: set[str], judge: ArrivalJudge, now: datetime
) -> tuple[Verdict, ...]:
    """The arrival checks on every copy of the path seen so far: this batch's, and the earlier ones stood in for
    by this batch's bytes (copies of one path are one message; what was wrong in an earlier copy's own bytes
    is kept as its findings). Nothing to judge on a decided path or one whose send kept no fingerprint."""
    expected = expected_arrival(path)
    if expected is None or path.state.terminal:
        return ()
    earlier = [
        replace(
            copies[0],
            received_at=each.received_at,
            envelope_recipients=each.envelope_recipients,
            location=each.location,
        )
        for each in path.arrivals
        if each.key not in keys
    ]
    return tuple(judge(expected, [*copies, *earlier], now=now))


def _decide(
    store: CanaryStore, path: PathRecord, key: str, verdicts: tuple[Verdict, ...], now: datetime
) -> tuple[PathRecord, int | None, bool]:
    """Decide a pending path once every envelope recipient's copy is in or its deadline passed; (the path as
    stored, open paths left if counted, whether the path's count-down was done or found owed here)."""
    if path.state.terminal:
        if owed(Effect.COUNT_DOWN) not in path.effects_owed:
            return path, None, False
        return path, store.count_down(path.canary_id, path.name), True  # a crash left the count-down owed
    if not verdicts or (missing_copies(path) and now < path.deadline):
        return path, None, False  # more copies may come: the next batch (or the sweep at the deadline) decides
    failed = [_failed(verdict) for verdict in verdicts if not verdict.passed]
    failed += [found for found in arrival_findings(path) if found not in failed]
    state = CanaryState.FAILED if failed else CanaryState.PASSED
    owes = (owed(Effect.METRICS, key), owed(Effect.ALERT, key))
    try:
        decision = store.decide_path(path.canary_id, path.name, state, failed, now=now, owes=owes)
    except TransitionConflictError:
        return path, None, False  # decided meanwhile (a concurrent copy, or swept): theirs stands, and owes
    return _with_send(decision.path, path), decision.open_paths, True


def _failed(verdict: Verdict) -> FailedCheck:
    return FailedCheck(verdict.check, verdict.detail)


def _with_send(path: PathRecord, sent_path: PathRecord) -> PathRecord:
    """The path item as just written, with what it sent (kept in its send item, read with the canary)."""
    return path.with_sent(sent_path.sent) if sent_path.sent is not None else path
