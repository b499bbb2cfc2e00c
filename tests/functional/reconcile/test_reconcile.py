"""reconcile.handle against moto DynamoDB: matching, expectations, decisions, duplicates and reordering."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from canary_tables import IDEMPOTENCY_TABLE, T0, FakeLambdaContext, canary_with, delivery, ses_event

from mailcanary.core.checks import CanaryState, Check, PathKind
from mailcanary.decide.effects import EffectSink
from mailcanary.decide.idempotency import IdempotencyOptions
from mailcanary.decide.reconcile import EventDisposition, ReconcileReport, handle
from mailcanary.report import observability as obs
from mailcanary.report.observability import Dimension, MetricName, MetricObservation, Unit
from mailcanary.ses.events import BounceSubType, BounceType, EventType, SesEventSummary
from mailcanary.ses.simulator import Scenario, simulator_address
from mailcanary.store import CanaryRecord, CanaryStore, ObservedEvent, SentMessage

NOW = T0 + timedelta(seconds=30)
API_TARGET = "ses:us-east-1"  # the targets canary_with gives its paths
SMTP_TARGET = "email-smtp.us-east-1.amazonaws.com:587"
PERMANENT_GENERAL = (BounceType.PERMANENT, BounceSubType.GENERAL)


def _run(store: CanaryStore, *events: SesEventSummary, **kwargs: Any) -> ReconcileReport:
    return handle(list(events), store=store, now=NOW, **kwargs)


def _state(store: CanaryStore, canary_id: str) -> tuple[CanaryState, dict[str, CanaryState]]:
    canary = store.get(canary_id)
    assert canary is not None
    return canary.state, {path.name: path.state for path in canary.paths}


def _checks(store: CanaryStore, canary_id: str) -> set[Check]:
    canary = store.get(canary_id)
    assert canary is not None
    return {failed.check for failed in canary.failed_checks}


def _counts(report: ReconcileReport) -> Counter[MetricName]:
    return Counter(metric.name for metric in report.metrics)


def _rcpt(scenario: Scenario, canary_id: str = "c1") -> str:
    return simulator_address(scenario, canary_id)


def _bounce(canary: CanaryRecord, path: str, rcpt: str, kind: tuple[BounceType, BounceSubType], status: str | None):
    record = canary.path(path)
    assert record is not None
    assert record.ses_message_id is not None
    return ses_event(
        EventType.BOUNCE,
        record.ses_message_id,
        record.envelope,
        recipients=(rcpt,),
        status=status,
        bounce=kind,
        feedback_id=f"fb-{path}-{rcpt}",
    )


def test_given_both_paths_delivered_when_reconciled_then_canary_passes_once(store: CanaryStore) -> None:
    # Given a canary sent on the API path and the SMTP path to the success simulator
    canary = canary_with("c1")
    store.create(canary)
    # When SES reports Delivery for both
    report = _run(store, delivery(canary, "api"), delivery(canary, "smtp"))
    # Then both paths and the canary pass, with one CanaryPassed and no alert
    assert _state(store, "c1") == (CanaryState.PASSED, {"api": CanaryState.PASSED, "smtp": CanaryState.PASSED})
    assert [(t.path, t.state) for t in report.transitions] == [
        ("api", CanaryState.PASSED),
        ("smtp", CanaryState.PASSED),
        (None, CanaryState.PASSED),
    ]
    assert report.outcomes == {EventDisposition.APPLIED: 2}
    assert _counts(report) == Counter({MetricName.DELIVERY_LATENCY: 2, MetricName.CANARY_PASSED: 2})
    assert [m for m in report.metrics if m.name is MetricName.CANARY_PASSED] == [
        obs.canary_passed(PathKind.API, API_TARGET),
        obs.canary_passed(PathKind.SMTP, SMTP_TARGET),
    ]
    assert report.alerts == ()
    latency = next(m for m in report.metrics if m.name is MetricName.DELIVERY_LATENCY)
    dimensions = ((Dimension.PATH, "api"), (Dimension.TARGET, API_TARGET))
    assert (latency.value, latency.unit, latency.dimensions) == (2000.0, Unit.MILLISECONDS, dimensions)


def test_given_one_path_delivered_when_reconciled_then_canary_still_pending(store: CanaryStore) -> None:
    canary = canary_with("c1")
    store.create(canary)
    report = _run(store, delivery(canary, "smtp"))
    assert _state(store, "c1") == (CanaryState.PENDING, {"api": CanaryState.PENDING, "smtp": CanaryState.PASSED})
    # the SMTP path is counted as passed; the API path is not counted until it is decided
    assert [m for m in report.metrics if m.name is MetricName.CANARY_PASSED] == [
        obs.canary_passed(PathKind.SMTP, SMTP_TARGET)
    ]


@pytest.mark.parametrize(
    ("scenario", "events"),
    [
        ("bounce", [("bounce", PERMANENT_GENERAL, "5.1.1")]),
        ("suppressionlist", [("bounce", (BounceType.PERMANENT, BounceSubType.ON_ACCOUNT_SUPPRESSION_LIST), None)]),
        ("ooto", [("delivery", None, None)]),
        ("complaint", [("delivery", None, None), ("complaint", None, None)]),
    ],
)
def test_given_simulator_scenario_when_ses_reports_its_outcome_then_canary_passes(
    store: CanaryStore, scenario: str, events: list[tuple[str, Any, str | None]]
) -> None:
    # Given an API path to a success recipient and one simulator scenario
    canary = canary_with("c1", api=(Scenario.SUCCESS, Scenario(scenario)), smtp=None)
    store.create(canary)
    rcpt = _rcpt(Scenario(scenario))
    summaries = [delivery(canary, "api", _rcpt(Scenario.SUCCESS))]
    for kind, bounce, status in events:
        if kind == "bounce":
            summaries.append(_bounce(canary, "api", rcpt, bounce, status))
        elif kind == "delivery":
            summaries.append(delivery(canary, "api", rcpt, at=T0 + timedelta(seconds=4)))
        else:
            summaries.append(
                ses_event(EventType.COMPLAINT, "c1-api", canary.paths[0].envelope, recipients=(rcpt,), feedback_id="cf")
            )
    # When SES reports exactly what the simulator promises
    report = _run(store, *summaries)
    # Then the canary passes: an expected bounce or complaint is not a failure
    assert _state(store, "c1")[0] is CanaryState.PASSED
    assert report.alerts == ()


def test_given_complaint_recipient_when_only_delivered_then_canary_waits_for_the_complaint(store: CanaryStore) -> None:
    canary = canary_with("c1", api=(Scenario.COMPLAINT,), smtp=None)
    store.create(canary)
    _run(store, delivery(canary, "api"))
    assert _state(store, "c1")[0] is CanaryState.PENDING


def test_given_success_recipient_when_bounced_then_fails_unexpected_bounce(store: CanaryStore) -> None:
    canary = canary_with("c1")
    store.create(canary)
    bounce = _bounce(
        canary, "api", _rcpt(Scenario.SUCCESS), (BounceType.TRANSIENT, BounceSubType.MAILBOX_FULL), "4.2.2"
    )
    report = _run(store, bounce, delivery(canary, "smtp"))
    assert _state(store, "c1") == (CanaryState.FAILED, {"api": CanaryState.FAILED, "smtp": CanaryState.PASSED})
    assert _checks(store, "c1") == {Check.OUTCOME_UNEXPECTED_BOUNCE}
    [alert] = report.alerts
    assert (alert.check, alert.passed, alert.path) == (Check.OUTCOME_UNEXPECTED_BOUNCE, False, "api")
    assert "Transient/MailboxFull 4.2.2" in alert.detail
    check_failed = [m for m in report.metrics if m.name is MetricName.CHECK_FAILED]
    assert check_failed == [obs.check_failed(Check.OUTCOME_UNEXPECTED_BOUNCE)]
    assert [m for m in report.metrics if m.name is MetricName.CANARY_FAILED] == obs.canary_failed(
        PathKind.API, API_TARGET
    )
    assert [m for m in report.metrics if m.name is MetricName.BOUNCE] == [obs.bounce("Transient")]


def test_given_bounce_recipient_when_bounce_has_wrong_subtype_then_unexpected_bounce(store: CanaryStore) -> None:
    canary = canary_with("c1", api=(Scenario.BOUNCE,), smtp=None)
    store.create(canary)
    _run(store, _bounce(canary, "api", _rcpt(Scenario.BOUNCE), (BounceType.PERMANENT, BounceSubType.NO_EMAIL), "5.1.1"))
    assert _checks(store, "c1") == {Check.OUTCOME_UNEXPECTED_BOUNCE}


def test_given_bounce_recipient_when_delivered_instead_then_missing_event(store: CanaryStore) -> None:
    canary = canary_with("c1", api=(Scenario.BOUNCE,), smtp=None)
    store.create(canary)
    _run(store, delivery(canary, "api"))
    assert _state(store, "c1")[0] is CanaryState.FAILED
    assert _checks(store, "c1") == {Check.OUTCOME_MISSING_EVENT}


def test_given_success_recipient_when_complained_then_unexpected_complaint(store: CanaryStore) -> None:
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    complaint = ses_event(EventType.COMPLAINT, "c1-api", canary.paths[0].envelope, recipients=canary.paths[0].envelope)
    _run(store, complaint)
    assert _checks(store, "c1") == {Check.OUTCOME_UNEXPECTED_COMPLAINT}


@pytest.mark.parametrize(
    ("event_type", "check"),
    [(EventType.REJECT, Check.OUTCOME_REJECT), (EventType.RENDERING_FAILURE, Check.OUTCOME_RENDERING_FAILURE)],
)
def test_given_message_level_failure_when_reconciled_then_path_fails_at_once(
    store: CanaryStore, event_type: EventType, check: Check
) -> None:
    # Given an SMTP path to three recipients
    canary = canary_with("c1", api=None, smtp=(Scenario.SUCCESS, Scenario.BOUNCE, Scenario.COMPLAINT))
    store.create(canary)
    # When SES rejects the whole message (no recipient will ever get an event)
    report = _run(store, ses_event(event_type, "c1-smtp", canary.paths[0].envelope))
    # Then the canary fails with the named check without waiting for the deadline
    assert _state(store, "c1") == (CanaryState.FAILED, {"smtp": CanaryState.FAILED})
    assert _checks(store, "c1") == {check}
    assert [alert.check for alert in report.alerts] == [check]


def test_given_ses_destination_missing_a_recipient_when_reconciled_then_recipients_delivered_fails(
    store: CanaryStore,
) -> None:
    # Given an API path whose envelope had two recipients
    canary = canary_with("c1", api=(Scenario.SUCCESS, Scenario.OOTO), smtp=None)
    store.create(canary)
    # When SES's mail.destination lists only one of them, and delivers that one
    only = _rcpt(Scenario.SUCCESS)
    report = _run(store, ses_event(EventType.DELIVERY, "c1-api", (only,), recipients=(only,)))
    # Then the path is decided (no event will come for the dropped recipient) and fails recipients.delivered
    assert _state(store, "c1")[0] is CanaryState.FAILED
    [alert] = report.alerts
    assert alert.check is Check.RECIPIENTS_DELIVERED
    assert _rcpt(Scenario.OOTO) in alert.detail


def test_given_ses_destination_with_an_extra_recipient_when_reconciled_then_recipients_delivered_fails(
    store: CanaryStore,
) -> None:
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    destination = (*canary.paths[0].envelope, "header-only@example.com")
    _run(store, ses_event(EventType.DELIVERY, "c1-api", destination, recipients=destination))
    assert _checks(store, "c1") == {Check.RECIPIENTS_DELIVERED}


def test_given_delivery_delay_then_delivery_when_reconciled_then_passes_and_delay_is_measured(
    store: CanaryStore,
) -> None:
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    rcpt = _rcpt(Scenario.SUCCESS)
    delay = ses_event(EventType.DELIVERY_DELAY, "c1-api", (rcpt,), recipients=(rcpt,), at=T0 + timedelta(seconds=61))
    # When only the DeliveryDelay has arrived, Then the canary is still pending (not a failure)
    first = _run(store, delay)
    assert _state(store, "c1")[0] is CanaryState.PENDING
    assert first.metrics == ()  # a delay is recorded on the path, not billed as a metric of its own
    # When the Delivery follows, Then it passes
    _run(store, delivery(canary, "api", at=T0 + timedelta(seconds=120)))
    assert _state(store, "c1")[0] is CanaryState.PASSED


def test_given_send_event_after_delivery_when_reconciled_then_it_is_recorded_without_a_metric(
    store: CanaryStore,
) -> None:
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    send = ses_event(EventType.SEND, "c1-api", canary.paths[0].envelope, at=T0 + timedelta(milliseconds=1500))
    report = _run(store, delivery(canary, "api"), send)
    assert _state(store, "c1")[0] is CanaryState.PASSED
    # the round measures SendLatency itself (API call / SMTP session); SES's Send event adds no second series
    assert MetricName.SEND_LATENCY not in _counts(report)
    stored = store.get("c1")
    assert stored is not None
    assert {event.event_type for event in stored.paths[0].events} == {
        EventType.SEND,
        EventType.DELIVERY,
    }


def test_given_duplicate_deliveries_when_reconciled_then_nothing_counts_twice(store: CanaryStore) -> None:
    canary = canary_with("c1")
    store.create(canary)
    api, smtp = delivery(canary, "api"), delivery(canary, "smtp")
    first = _run(store, api, api)
    second = _run(store, smtp, api, smtp)
    assert first.outcomes == {EventDisposition.APPLIED: 1, EventDisposition.DUPLICATE: 1}
    assert second.outcomes == {EventDisposition.APPLIED: 1, EventDisposition.DUPLICATE: 2}
    total = _counts(first) + _counts(second)
    assert total[MetricName.DELIVERY_LATENCY] == 2
    assert total[MetricName.CANARY_PASSED] == 2  # one per path
    canary_after = store.get("c1")
    assert canary_after is not None
    assert [len(path.events) for path in canary_after.paths] == [1, 1]


def test_given_idempotency_table_when_event_redelivered_then_powertools_skips_it(
    store: CanaryStore, dynamodb: Any
) -> None:
    # Given the reconciler guarded by Powertools idempotency on its own table
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    guard = IdempotencyOptions(table_name=IDEMPOTENCY_TABLE, client=dynamodb, lambda_context=FakeLambdaContext())
    event = delivery(canary, "api")
    # When SNS delivers the same event in two invocations
    first = _run(store, event, idempotency=guard)
    for sk in ("canary", "path#api"):  # proof the second never reaches the store: it would find nothing now
        dynamodb.delete_item(TableName=store.table_name, Key={"pk": {"S": "c1"}, "sk": {"S": sk}})
    second = _run(store, event, idempotency=guard)
    # Then the second is answered from the idempotency record: no metric, no transition
    assert first.outcomes == {EventDisposition.APPLIED: 1}
    assert second == ReconcileReport({EventDisposition.DUPLICATE: 1}, (), ())
    records = dynamodb.scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    assert len(records) == 1
    assert records[0]["id"]["S"].startswith("mailcanary.decide.reconcile#")
    assert records[0]["status"]["S"] == "COMPLETED"
    assert "expiration" in records[0]


def test_given_event_recorded_but_not_decided_when_retried_then_the_decision_is_finished(store: CanaryStore) -> None:
    # Given an earlier invocation recorded the Delivery and then crashed before deciding
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    event = delivery(canary, "api")
    from mailcanary.decide.idempotency import event_key

    store.record_event(
        "c1",
        "api",
        ObservedEvent(event_key(event), event.event_type, event.timestamp, event.destination, event.recipients),
    )
    # When SNS retries it
    report = _run(store, event)
    # Then nothing is counted again, but the canary is decided
    assert report.outcomes == {EventDisposition.DUPLICATE: 1}
    assert _state(store, "c1")[0] is CanaryState.PASSED
    assert MetricName.DELIVERY_LATENCY not in _counts(report)
    assert _counts(report)[MetricName.CANARY_PASSED] == 1


def test_given_unknown_message_id_when_reconciled_then_counted_and_ignored(store: CanaryStore) -> None:
    canary = canary_with("c1")
    store.create(canary)
    foreign = ses_event(EventType.DELIVERY, "not-ours", ("user@example.com",), recipients=("user@example.com",))
    report = _run(store, foreign)
    assert report.outcomes == {EventDisposition.UNMATCHED: 1}
    assert report.metrics == (obs.unmatched_ses_event(),)
    assert _state(store, "c1")[0] is CanaryState.PENDING


class _LaggingIndexStore(CanaryStore):
    """The message-id index has not caught up yet (DynamoDB GSIs are eventually consistent)."""

    def find_send(self, ses_message_id: str) -> SentMessage | None:
        return None


def test_given_index_not_caught_up_when_reconciled_then_simulator_label_finds_the_canary(
    store: CanaryStore, dynamodb: Any
) -> None:
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    lagging = _LaggingIndexStore(dynamodb, store.table_name)
    report = _run(lagging, delivery(canary, "api"))
    assert report.outcomes == {EventDisposition.APPLIED: 1}
    assert _state(store, "c1")[0] is CanaryState.PASSED


def test_given_an_effect_sink_when_reconciled_then_it_receives_every_metric(store: CanaryStore) -> None:
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    emitted: list[MetricObservation] = []
    report = _run(store, delivery(canary, "api"), effects=EffectSink(emit=emitted.extend))
    assert tuple(emitted) == report.metrics
    assert emitted


def test_given_naive_event_timestamp_when_reconciled_then_it_is_taken_as_utc(store: CanaryStore) -> None:
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    naive = replace(delivery(canary, "api"), timestamp=(T0 + timedelta(seconds=3)).replace(tzinfo=None))
    report = _run(store, naive)
    assert [m.value for m in report.metrics if m.name is MetricName.DELIVERY_LATENCY] == [2000.0]
