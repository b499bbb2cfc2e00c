"""sweeper.sweep against moto DynamoDB: overdue canaries end lost, nothing is dropped, lost stays lost."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from canary_tables import T0, canary_with, delivery

from mailcanary.core.checks import CanaryState, Check
from mailcanary.decide.effects import EffectSink
from mailcanary.decide.reconcile import EventDisposition, handle
from mailcanary.decide.sweep import sweep
from mailcanary.report import observability as obs
from mailcanary.report.observability import MetricName, MetricObservation
from mailcanary.ses.simulator import Scenario, simulator_address
from mailcanary.store import CanaryRecord, CanaryStore, FailedCheck, PathKind, new_canary, new_path

BEFORE_DEADLINE = T0 + timedelta(minutes=14)
AFTER_DEADLINE = T0 + timedelta(minutes=16)


def _states(store: CanaryStore, canary_id: str) -> tuple[CanaryState, dict[str, CanaryState]]:
    canary = store.get(canary_id)
    assert canary is not None
    return canary.state, {path.name: path.state for path in canary.paths}


def test_given_missing_event_when_swept_past_deadline_then_canary_is_lost_with_an_alert(store: CanaryStore) -> None:
    # Given a canary whose SMTP path never got its Delivery
    canary = canary_with("c1")
    store.create(canary)
    handle([delivery(canary, "api")], store=store, now=T0 + timedelta(seconds=5))
    # When the sweeper runs before the deadline, Then nothing happens
    early = sweep(store=store, now=BEFORE_DEADLINE)
    assert (early.examined, early.transitions, early.metrics) == (0, (), ())
    # When it runs after the deadline
    report = sweep(store=store, now=AFTER_DEADLINE)
    # Then the canary and its pending path are lost; the path that passed keeps its verdict
    assert _states(store, "c1") == (CanaryState.LOST, {"api": CanaryState.PASSED, "smtp": CanaryState.LOST})
    assert report.lost == ("c1",)
    [alert] = report.alerts
    assert (alert.check, alert.passed, alert.path) == (Check.LOST, False, "smtp")
    assert simulator_address(Scenario.SUCCESS, "c1") in alert.detail
    assert "no Delivery yet" in alert.detail
    # one lost path: CanaryFailed for it (per path and rollup) and the CheckFailed{lost} the alarm watches
    assert list(report.metrics) == [
        *obs.canary_failed(PathKind.SMTP, "email-smtp.us-east-1.amazonaws.com:587"),
        obs.check_failed(Check.LOST),
    ]
    stored = store.get("c1")
    assert stored is not None
    assert [failed.check for failed in stored.failed_checks] == [Check.LOST]


def test_given_lost_canary_when_its_delivery_arrives_late_then_it_stays_lost(store: CanaryStore) -> None:
    # Given a canary swept lost
    canary = canary_with("c1")
    store.create(canary)
    sweep(store=store, now=AFTER_DEADLINE)
    # When both Deliveries arrive afterwards
    report = handle(
        [delivery(canary, "api"), delivery(canary, "smtp")], store=store, now=AFTER_DEADLINE + timedelta(minutes=1)
    )
    # Then nothing is resurrected: the events are recorded and counted late, no decision is taken
    assert _states(store, "c1") == (CanaryState.LOST, {"api": CanaryState.LOST, "smtp": CanaryState.LOST})
    assert report.outcomes == {EventDisposition.LATE: 2}
    assert report.transitions == ()
    assert Counter(m.name for m in report.metrics)[MetricName.LATE_SES_EVENT] == 2
    stored = store.get("c1")
    assert stored is not None
    assert [len(path.events) for path in stored.paths] == [1, 1]


def test_given_swept_canary_when_swept_again_then_nothing_changes(store: CanaryStore) -> None:
    store.create(canary_with("c1"))
    first = sweep(store=store, now=AFTER_DEADLINE)
    second = sweep(store=store, now=AFTER_DEADLINE + timedelta(minutes=5))
    assert first.lost == ("c1",)
    assert (second.examined, second.transitions) == (0, ())
    assert second.metrics == ()


def test_given_decided_canary_when_swept_then_it_is_not_touched(store: CanaryStore) -> None:
    canary = canary_with("c1")
    store.create(canary)
    handle([delivery(canary, "api"), delivery(canary, "smtp")], store=store, now=T0 + timedelta(seconds=5))
    report = sweep(store=store, now=AFTER_DEADLINE)
    assert report.examined == 0
    assert _states(store, "c1")[0] is CanaryState.PASSED


def test_given_more_overdue_than_the_limit_when_swept_then_backlog_is_reported_and_next_sweep_finishes(
    store: CanaryStore,
) -> None:
    for index in range(3):
        store.create(canary_with(f"c{index}", created_at=T0 + timedelta(seconds=index)))
    first = sweep(store=store, now=AFTER_DEADLINE, limit=2)
    assert (first.lost, first.backlog) == (("c0", "c1"), True)
    assert first.to_summary()["backlog"] is True
    second = sweep(store=store, now=AFTER_DEADLINE, limit=2)
    assert (second.lost, second.backlog) == (("c2",), False)
    assert {_states(store, f"c{index}")[0] for index in range(3)} == {CanaryState.LOST}


def test_given_path_that_never_sent_when_swept_then_lost_says_the_send_never_completed(store: CanaryStore) -> None:
    rcpt = simulator_address(Scenario.SUCCESS, "c1")
    path = new_path("c1", "smtp", PathKind.SMTP, "localhost:587", deadline=T0 + timedelta(minutes=15), envelope=[rcpt])
    store.create(new_canary("c1", [path], created_at=T0))
    [alert] = sweep(store=store, now=AFTER_DEADLINE).alerts
    assert "send never completed" in alert.detail


def test_given_paths_decided_but_canary_not_when_swept_then_it_is_settled_not_lost(store: CanaryStore) -> None:
    # Given both paths were decided but the invocation died before the canary write
    store.create(canary_with("c1"))
    for name in ("api", "smtp"):
        store.decide_path("c1", name, CanaryState.PASSED, (), now=T0 + timedelta(seconds=5))
    # When the sweeper finds it overdue, Then it finishes the decision instead of declaring it lost
    report = sweep(store=store, now=AFTER_DEADLINE)
    assert _states(store, "c1")[0] is CanaryState.PASSED
    assert report.lost == ()
    assert [(t.path, t.state) for t in report.transitions] == [(None, CanaryState.PASSED)]
    assert report.metrics == ()  # its paths were counted when they were decided


class _RacingStore(CanaryStore):
    """A reconciler decides the SMTP path between the sweeper's read and its write."""

    raced = False

    def mark_lost(self, canary: CanaryRecord, checks: Any, *, now: Any) -> None:
        if not self.raced:
            self.raced = True
            self.decide_path(
                canary.canary_id, "smtp", CanaryState.FAILED, (FailedCheck(Check.OUTCOME_REJECT),), now=now
            )
        super().mark_lost(canary, checks, now=now)


def test_given_path_decided_during_sweep_when_write_conflicts_then_sweeper_rereads_and_keeps_that_verdict(
    dynamodb: Any, store: CanaryStore
) -> None:
    store.create(canary_with("c1"))
    racing = _RacingStore(dynamodb, store.table_name)
    report = sweep(store=racing, now=AFTER_DEADLINE)
    assert _states(store, "c1") == (CanaryState.LOST, {"api": CanaryState.LOST, "smtp": CanaryState.FAILED})
    assert [alert.path for alert in report.alerts] == ["api"]
    assert report.deferred == ()


def test_given_zero_limit_when_swept_then_value_error(store: CanaryStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        sweep(store=store, now=AFTER_DEADLINE, limit=0)


def test_given_emit_callable_when_swept_then_it_receives_every_metric(store: CanaryStore) -> None:
    store.create(canary_with("c1"))
    emitted: list[MetricObservation] = []
    report = sweep(store=store, now=AFTER_DEADLINE, effects=EffectSink(emit=emitted.extend))
    assert tuple(emitted) == report.metrics
    assert len(emitted) == 6  # per lost path: CanaryFailed (per path and rollup) and CheckFailed{lost}
