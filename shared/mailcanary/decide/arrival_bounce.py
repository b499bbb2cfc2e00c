"""Bounces returned to a canary's return path: a DSN that arrives where the receiver reads instead of the copy.

A DSN carries no canary header of its own; the original's headers it returns do (`returned_canary_id`, read with
`mailcanary.bounce`'s message view). The paths of that canary still awaiting their copy are handed to the
injected bounce matching (`BounceJudge`: `mailcanary.arrival.bounces.bounce_verdicts` has this shape), whose
`outcome.unexpected_bounce` verdicts decide those paths, with the same owed effects as any arrival decision.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from mailcanary.arrival.model import CANARY_HEADER, ArrivedMessage, ExpectedArrival
from mailcanary.core.checks import CanaryState, Verdict
from mailcanary.decide.arrival_match import arrival_key, expected_arrival
from mailcanary.decide.effects import EffectSink, deliver_owed
from mailcanary.decide.transitions import Transition, settle_if_closed
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

__all__ = ["BounceJudge", "bounce", "decide_bounced", "returned_canary_id"]

_CANARY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class BounceJudge(Protocol):
    """Matches a returned message to the paths it bounces: one failed verdict per path, () when not ours."""

    def __call__(
        self, raw: bytes, expected: Sequence[ExpectedArrival], *, returned_to: Sequence[str] = ()
    ) -> tuple[Verdict, ...]:
        """`outcome.unexpected_bounce` verdicts for the paths in `expected` that `raw` bounces."""
        ...


def returned_canary_id(raw: bytes) -> str | None:
    """The canary id in the headers of the original a DSN returns; None when it returns none (or is no DSN)."""
    from mailcanary.bounce import BounceError
    from mailcanary.bounce.message_view import MessageView, header

    try:
        original = MessageView.from_bytes(raw).original_headers
    except BounceError:
        return None
    canary_id = header(original, CANARY_HEADER).strip() if original is not None else ""
    return canary_id if _CANARY_ID.fullmatch(canary_id) else None


def decide_bounced(
    store: CanaryStore,
    sent_path: PathRecord,
    copy: ArrivedMessage,
    key: str,
    verdicts: Sequence[Verdict],
    now: datetime,
    sink: EffectSink,
) -> tuple[list[Transition], list[MetricObservation], int]:
    """Record the bounce on the path it bounced (it names no recipient's copy: no latency is owed) and decide the
    path failed with the bounce's verdicts, unless it was decided already; deliver what is owed, settle."""
    bounce = ObservedArrival(key, copy.received_at, copy.receiver.value, (), copy.location)
    recorded = store.record_arrival(sent_path.canary_id, sent_path.name, bounce)
    path = recorded.path.with_sent(sent_path.sent) if sent_path.sent is not None else recorded.path
    failed = [FailedCheck(verdict.check, verdict.detail) for verdict in verdicts if not verdict.passed]
    open_paths: int | None = None
    counted = False
    if path.state.terminal:
        if owed(Effect.COUNT_DOWN) in path.effects_owed:  # a crash left the count-down owed
            open_paths, counted = store.count_down(path.canary_id, path.name), True
    elif failed:
        owes = (owed(Effect.METRICS, key), owed(Effect.ALERT, key))
        try:
            decision = store.decide_path(path.canary_id, path.name, CanaryState.FAILED, failed, now=now, owes=owes)
        except TransitionConflictError:
            pass  # decided meanwhile: that decision stands, and owes its own effects
        else:
            path = decision.path.with_sent(sent_path.sent) if sent_path.sent is not None else decision.path
            open_paths, counted = decision.open_paths, True
    transitions, metrics, published = deliver_owed(store, path, key, sink, counted=counted)
    return [*transitions, *settle_if_closed(store, path, open_paths, now=now)], metrics, published


def bounce(
    store: CanaryStore,
    copy: ArrivedMessage,
    bounces: BounceJudge,
    canaries: dict[str, CanaryRecord | None],
    now: datetime,
    sink: EffectSink,
) -> tuple[list[Transition], list[MetricObservation], int] | None:
    """Decide the paths a returned bounce matches; None when it returns no canary of ours or matches no path."""
    from mailcanary.bounce import BounceError

    canary_id = returned_canary_id(copy.raw)
    if canary_id is None:
        return None
    if canary_id not in canaries:
        canaries[canary_id] = store.get(canary_id)
    canary = canaries[canary_id]
    awaiting = {path.name: path for path in canary.paths if path.awaits_arrival} if canary is not None else {}
    expected = [each for each in map(expected_arrival, awaiting.values()) if each is not None]
    try:
        verdicts = bounces(copy.raw, expected, returned_to=copy.envelope_recipients) if expected else ()
    except BounceError:
        return None  # no readable message: not a bounce we can match
    by_path: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        by_path.setdefault(verdict.path, []).append(verdict)
    if not by_path:
        return None
    transitions: list[Transition] = []
    metrics: list[MetricObservation] = []
    published = 0
    for name, path_verdicts in by_path.items():
        if name in awaiting:
            done = decide_bounced(store, awaiting[name], copy, arrival_key(copy), path_verdicts, now, sink)
            transitions, metrics, published = transitions + done[0], metrics + done[1], published + done[2]
    return transitions, metrics, published
