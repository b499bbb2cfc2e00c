"""Lambda retries after a DynamoDB failure at every call position: state, metrics and alerts each exactly once.

Through the real handlers under moto: the SES-events handler is invoked with an SNS event, one of its DynamoDB
calls fails (a ClientError, as a throttled or failing DynamoDB gives after botocore's retries), and Lambda
re-invokes it with the same event; the sweeper fails the same way and runs again. What the two invocations
printed as EMF, what reached the alert topic (read through an SQS subscription) and what the store holds must
equal what one clean invocation gives.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from failing_dynamodb import TARGET, Call, FailingDynamoDB, invoke_with, tally, two_path_canary
from handlers import event

from mailcanary.core.checks import CanaryState
from mailcanary.store import CanaryStore
from tests.support.aws_world import CANARY_TABLE, IDEMPOTENCY_TABLE, AwsWorld

INDEX = "by-ses-message-id"


def _per_path(name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, (("Path", "api"), ("Target", TARGET))


# The DynamoDB calls of one clean invocation deciding the last open path, in order: each is failed in turn.
_HEAD: list[Call] = [
    ("PutItem", IDEMPOTENCY_TABLE, ""),  # Powertools: the event's in-progress record
    ("Query", CANARY_TABLE, INDEX),  # the send of this message id
    ("UpdateItem", CANARY_TABLE, "path#second"),  # record the event (and the metrics it owes)
    ("UpdateItem", CANARY_TABLE, "path#second"),  # decide the path (and the metrics and alert it owes)
    ("UpdateItem", CANARY_TABLE, "canary"),  # count the open paths down
]
_TAIL: list[Call] = [
    ("UpdateItem", CANARY_TABLE, "path#second"),  # forget what was delivered
    ("Query", CANARY_TABLE, ""),  # read the whole canary: its last open path closed
    ("TransactWriteItems", CANARY_TABLE, "1 items"),  # settle the canary
    ("UpdateItem", IDEMPOTENCY_TABLE, ""),  # Powertools: the record completed
]
_LATE_CHECKS = 7  # a passed path clears the open alerts of the checks only SES's events decide (services.alerting)

# event file -> (state of the path and the canary, metrics, alert checks, the clean invocation's calls)
SCENARIOS: dict[str, tuple[CanaryState, Counter[Any], list[str], list[Call]]] = {
    "sns-bounce.json": (
        CanaryState.FAILED,
        Counter(
            {
                ("Bounce", (("BounceType", "Permanent"),)): 1,
                _per_path("CanaryFailed"): 1,
                ("CanaryFailed", ()): 1,
                ("CheckFailed", (("Check", "outcome.unexpected_bounce"),)): 1,
            }
        ),
        ["outcome.unexpected_bounce"],
        [*_HEAD, ("UpdateItem", CANARY_TABLE, "alert"), *_TAIL],  # open the alert (deduplication claim)
    ),
    "sns-delivery.json": (
        CanaryState.PASSED,
        Counter({_per_path("DeliveryLatency"): 1, _per_path("CanaryPassed"): 1}),
        [],
        [*_HEAD, *[("DeleteItem", CANARY_TABLE, "alert")] * _LATE_CHECKS, *_TAIL],
    ),
}
POSITIONS = [(name, position) for name, scenario in SCENARIOS.items() for position in range(1, len(scenario[3]) + 1)]


def _then_exactly_once(aws: AwsWorld, store: CanaryStore, name: str, stdout: str) -> None:
    state, metrics, checks, _ = SCENARIOS[name]
    canary = store.get("c-retry")
    assert canary is not None
    assert (canary.state, [path.state for path in canary.paths]) == (state, [CanaryState.PASSED, state])
    assert [path.effects_owed for path in canary.paths] == [frozenset(), frozenset()]  # nothing left owed
    assert store.progress("c-retry") == (state, 0)
    assert tally(stdout) == metrics
    alerts = aws.alerts()
    assert [(alert["body"]["check"], alert["body"]["path"]) for alert in alerts] == [(c, "second") for c in checks]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_given_a_clean_invocation_when_it_decides_the_last_path_then_it_makes_exactly_the_listed_calls(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    # Given a canary whose second path the event decides
    store = two_path_canary(aws, "c-retry", created_at=datetime(2015, 1, 1, tzinfo=UTC), decided=("first",))
    counted = FailingDynamoDB()
    # When SNS delivers the event and nothing fails
    summary, error = invoke_with("ses_events", event(f"ses_events/{name}"), counted)
    # Then it succeeds with the calls the retry test fails one by one, and every effect once
    assert error is None
    assert summary["events"] == {"applied": 1}
    assert counted.calls == SCENARIOS[name][3]
    _then_exactly_once(aws, store, name, capsys.readouterr().out)


@pytest.mark.parametrize(("name", "position"), POSITIONS, ids=[f"{name}-call{pos}" for name, pos in POSITIONS])
def test_given_a_dynamodb_failure_at_any_call_when_lambda_retries_the_event_then_every_effect_happens_once(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, position: int
) -> None:
    # Given a canary whose second path the event decides
    store = two_path_canary(aws, "c-retry", created_at=datetime(2015, 1, 1, tzinfo=UTC), decided=("first",))
    payload = event(f"ses_events/{name}")
    # When the invocation fails at DynamoDB call `position`
    failing = FailingDynamoDB(fail_at=position)
    _, error = invoke_with("ses_events", payload, failing)
    assert failing.failed == SCENARIOS[name][3][position - 1]
    assert error is not None
    # which Powertools did not record as completed (else the retry would be answered from its record)
    records = aws.client("dynamodb").scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    assert "COMPLETED" not in [record["status"]["S"] for record in records]
    # and Lambda invokes the handler again with the same event, which succeeds
    _, error = invoke_with("ses_events", payload, FailingDynamoDB())
    assert error is None, error
    # Then state, metrics (over both invocations) and alerts are as after one clean invocation
    _then_exactly_once(aws, store, name, capsys.readouterr().out)
    # And a further redelivery is a duplicate that emits nothing
    again, error = invoke_with("ses_events", payload, FailingDynamoDB())
    assert (error, again["events"], again["decided"]) == (None, {"duplicate": 1}, [])
    assert not tally(capsys.readouterr().out)
    assert aws.alerts() == []
