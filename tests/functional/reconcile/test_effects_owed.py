"""Effects owed on the records (mailcanary.decide.effects) against the moto world, delivered the way production
delivers them: the SES-events and sweeper services' effect sink (`services.alerting.effect_sink`), so metrics
are EMF lines on stdout and alerts are SNS messages on the alert topic, read back from its SQS subscription.
An alert that cannot be published (the topic is down) stays owed and goes out once later, while the
decision's metrics go out at once, once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from canary_tables import CANARY_TABLE, T0, canary_with, delivery, ses_event

from mailcanary.core.checks import CanaryState, Check
from mailcanary.decide.effects import EffectSink
from mailcanary.decide.idempotency import event_key
from mailcanary.decide.reconcile import handle
from mailcanary.decide.sweep import sweep
from mailcanary.lab.emf import parse_emf
from mailcanary.report.alerts import AlertError
from mailcanary.report.observability import MetricName
from mailcanary.services.alerting import effect_sink
from mailcanary.ses.events import BounceSubType, BounceType, EventType, SesEventSummary
from mailcanary.ses.simulator import Scenario, simulator_address
from mailcanary.store import CanaryStore, DynamoAlertState, Effect, ObservedEvent, owed
from tests.support.aws_world import MISSING_TOPIC_ARN, AwsWorld

NOW = T0 + timedelta(seconds=30)
AFTER_DEADLINE = T0 + timedelta(minutes=16)


class Outside:
    """What left the process through production's effect sink: EMF metrics on stdout, SNS alerts on the topic."""

    def __init__(self, aws: AwsWorld, capsys: pytest.CaptureFixture[str]) -> None:
        self._aws = aws
        self._capsys = capsys
        self.metrics: Counter[MetricName] = Counter()
        self.alerts: list[tuple[str, str]] = []

    def sink(self, *, topic_down: bool = False) -> EffectSink:
        """The services' sink on this world; with `topic_down`, its alert topic does not exist."""
        values = {"alert_topic_arn": MISSING_TOPIC_ARN} if topic_down else {}
        return effect_sink(self._aws.runtime(now=NOW, **values))

    def read(self) -> None:
        """Take in what went out since the last read."""
        points, _ = parse_emf(self._capsys.readouterr().out)
        self.metrics.update(MetricName(point.name) for point in points)
        self.alerts += [(alert["body"]["path"], alert["body"]["check"]) for alert in self._aws.alerts()]


@pytest.fixture
def outside(aws: AwsWorld, capsys: pytest.CaptureFixture[str]) -> Outside:
    return Outside(aws, capsys)


def _unexpected_bounce(store: CanaryStore) -> SesEventSummary:
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    rcpt = simulator_address(Scenario.SUCCESS, "c1")
    return ses_event(
        EventType.BOUNCE,
        "c1-api",
        (rcpt,),
        recipients=(rcpt,),
        status="5.1.1",
        bounce=(BounceType.PERMANENT, BounceSubType.GENERAL),
        feedback_id="fb-1",
    )


def test_given_the_alert_topic_down_when_a_path_fails_then_metrics_go_out_once_and_the_retry_sends_the_alert(
    store: CanaryStore, outside: Outside
) -> None:
    # Given an unexpected bounce on a one-path canary, and an alert topic that does not exist
    bounce = _unexpected_bounce(store)
    # When the event is reconciled, Then the invocation fails (so Lambda retries it) after counting the decision
    with pytest.raises(AlertError):
        handle([bounce], store=store, now=NOW, effects=outside.sink(topic_down=True))
    outside.read()
    assert outside.metrics == Counter(
        {MetricName.BOUNCE: 1, MetricName.CANARY_FAILED: 2, MetricName.CHECK_FAILED: 1}  # per path and rollup
    )
    assert outside.alerts == []
    # When Lambda retries it twice more, the topic down once more and then up
    with pytest.raises(AlertError):
        handle([bounce], store=store, now=NOW, effects=outside.sink(topic_down=True))
    report = handle([bounce], store=store, now=NOW, effects=outside.sink())
    outside.read()
    # Then the alert reached the topic once, no metric went out twice, and the canary is settled with nothing owed
    assert outside.alerts == [("api", Check.OUTCOME_UNEXPECTED_BOUNCE.value)]
    assert report.alerts_published == 1
    assert outside.metrics == Counter({MetricName.BOUNCE: 1, MetricName.CANARY_FAILED: 2, MetricName.CHECK_FAILED: 1})
    canary = store.get("c1")
    assert canary is not None
    assert (canary.state, [path.effects_owed for path in canary.paths]) == (CanaryState.FAILED, [frozenset()])


def test_given_the_alert_topic_down_when_swept_then_the_canary_stays_listed_until_its_alerts_went_out(
    store: CanaryStore, outside: Outside
) -> None:
    # Given an overdue two-path canary and an alert topic that does not exist
    store.create(canary_with("c1"))
    # When two sweeps run with the topic down
    first = sweep(store=store, now=AFTER_DEADLINE, effects=outside.sink(topic_down=True))
    second = sweep(store=store, now=AFTER_DEADLINE, effects=outside.sink(topic_down=True))
    outside.read()
    # Then the canary was lost once and counted once, its alerts reported as not sent, and it is still listed
    assert (first.lost, len(first.alert_errors), len(second.alert_errors)) == (("c1",), 1, 1)
    assert outside.metrics == Counter({MetricName.CANARY_FAILED: 4, MetricName.CHECK_FAILED: 2})
    assert outside.alerts == []
    assert store.overdue(now=AFTER_DEADLINE, limit=10) == (["c1"], False)
    # When the topic is back
    third = sweep(store=store, now=AFTER_DEADLINE, effects=outside.sink())
    outside.read()
    # Then each lost path alerted once, nothing was counted again, and the canary left the sweeper's index
    assert sorted(outside.alerts) == [("api", Check.LOST.value), ("smtp", Check.LOST.value)]
    assert (third.alerts_published, third.alert_errors) == (2, ())
    assert outside.metrics == Counter({MetricName.CANARY_FAILED: 4, MetricName.CHECK_FAILED: 2})
    assert store.overdue(now=AFTER_DEADLINE, limit=10) == ([], False)
    assert sweep(store=store, now=AFTER_DEADLINE, effects=outside.sink()).examined == 0


def test_given_a_decided_path_when_counted_down_again_then_the_count_moves_once_and_owed_effects_are_kept(
    store: CanaryStore,
) -> None:
    # Given a two-path canary whose api path is decided by event "k", owing its metrics and alert
    store.create(canary_with("c1"))
    owes = (owed(Effect.METRICS, "k"), owed(Effect.ALERT, "k"))
    decision = store.decide_path("c1", "api", CanaryState.PASSED, (), now=NOW, owes=owes)
    assert decision.open_paths == 1
    # When a retry counts the same path down again
    again = store.count_down("c1", "api")
    # Then nothing is counted twice, and the decision still owes its effects and its (done) count-down
    assert (again, store.progress("c1")) == (None, (CanaryState.PENDING, 1))
    canary = store.get("c1")
    assert canary is not None
    api = canary.path("api")
    assert api is not None
    assert api.effects_owed == {*owes, owed(Effect.COUNT_DOWN)}
    # When they are delivered, Then nothing is owed any more
    store.delivered("c1", "api", api.effects_owed)
    canary = store.get("c1")
    assert canary is not None
    assert [path.effects_owed for path in canary.paths] == [frozenset(), frozenset()]


def test_given_a_decision_whose_writer_stopped_when_another_event_arrives_then_it_settles_but_leaves_the_effects(
    aws: AwsWorld, store: CanaryStore, dynamodb: Any, outside: Outside
) -> None:
    # Given an alert still open on the api path (an earlier canary's recipients went missing), and a one-path
    # canary whose Delivery (event A) was recorded and decided, owing its metrics, its alert (for a pass: the
    # clearing of the late checks' open alerts) and the count-down, by an invocation that stopped right after
    # the decision's write
    alert_state = DynamoAlertState(aws.client("dynamodb"), CANARY_TABLE)
    late_check = ("api", Check.RECIPIENTS_DELIVERED.value)
    assert alert_state.open(*late_check, "c0")
    canary = canary_with("c1", smtp=None)
    store.create(canary)
    first = delivery(canary, "api")
    _recorded_and_decided_only(store, dynamodb, first)
    # When another SES event for the same path (a second Delivery, event B) arrives
    second = delivery(canary, "api", at=T0 + timedelta(seconds=9))
    report = handle([second], store=store, now=NOW, effects=outside.sink())
    outside.read()
    # Then it completes the count-down and settles the canary, but delivers nothing event A owes
    assert store.progress("c1") == (CanaryState.PASSED, 0)
    assert [t.path for t in report.transitions] == [None]
    assert outside.metrics == Counter({MetricName.DELIVERY_LATENCY: 1})  # event B's own metric
    assert alert_state.open_among([late_check]).open
    # When event A is retried, Then exactly what it owed goes out: its metrics, and the pass closes the open alert
    handle([first], store=store, now=NOW, effects=outside.sink())
    outside.read()
    assert outside.metrics == Counter({MetricName.DELIVERY_LATENCY: 2, MetricName.CANARY_PASSED: 1})
    assert not alert_state.open_among([late_check]).open
    assert outside.alerts == []  # closing an alert publishes nothing
    stored = store.get("c1")
    assert stored is not None
    assert [path.effects_owed for path in stored.paths] == [frozenset()]


def _recorded_and_decided_only(store: CanaryStore, dynamodb: Any, summary: SesEventSummary) -> None:
    """Event `summary` recorded and its path decided passed as `reconcile` writes them, and nothing after."""
    key = event_key(summary)
    event = ObservedEvent(key, summary.event_type, summary.timestamp, summary.destination, summary.recipients)
    store.record_event("c1", "api", event, owes=(owed(Effect.EVENT_METRICS, key),))
    owes = [owed(Effect.METRICS, key), owed(Effect.ALERT, key), owed(Effect.COUNT_DOWN)]
    dynamodb.update_item(  # decide_path's own write, without the count-down that follows it
        TableName=CANARY_TABLE,
        Key={"pk": {"S": "c1"}, "sk": {"S": "path#api"}},
        UpdateExpression="SET #state = :passed, failed_checks = :none ADD effects_owed :owed",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={":passed": {"S": "passed"}, ":none": {"L": []}, ":owed": {"SS": owes}},
    )
