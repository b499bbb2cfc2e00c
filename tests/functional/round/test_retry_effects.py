"""Lambda retries after a DynamoDB failure at every call position: state, metrics and alerts each exactly once.

Through the real handlers under moto: the SES-events handler is invoked with an SNS event, one of its DynamoDB
calls fails (a ClientError, as a throttled or failing DynamoDB gives after botocore's retries), and Lambda
re-invokes it with the same event; the sweeper fails the same way and runs again. What the two invocations
printed as EMF, what reached the alert topic (read through an SQS subscription) and what the store holds must
equal what one clean invocation gives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from failing_dynamodb import Call, FailingDynamoDB
from handlers import LambdaContext, allowed_actions, aws_calls, emf, event, load_handler
from round_world import CANARY_TABLE, IDEMPOTENCY_TABLE, SENDER, AwsWorld

from mailcanary import aws_clients
from mailcanary.checks import CanaryState
from mailcanary.store import CanaryStore, PathKind, new_canary, new_path

EXAMPLE_MESSAGE_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"  # in every events/ses_events file
TARGET = "ses-api:us-east-1"
INDEX = "by-ses-message-id"


class RetriedLambdaContext(LambdaContext):
    """Lambda retries a failed asynchronous invocation a minute or more after it ended. Powertools idempotency
    lets a retry take over an in-progress record only once the failed invocation's time is up, so this context
    places that moment in the past, as it is when the real retry arrives."""

    def get_remaining_time_in_millis(self) -> int:
        return -60_000


@pytest.fixture
def env(aws: AwsWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name, value in {
        "MAILCANARY_SENDER": SENDER,
        "MAILCANARY_SES_REGION": "us-east-1",
        "MAILCANARY_TABLE_NAME": CANARY_TABLE,
        "MAILCANARY_IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
        "MAILCANARY_ALERT_TOPIC_ARN": aws.alert_topic_arn,
        "MAILCANARY_SMTP_SECRET_ARN": aws.secret_arn,
        "MAILCANARY_CONFIGURATION_SET": "mailcanary",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    aws_clients.clear()
    yield monkeypatch
    aws_clients.clear()


def _invoke(function: str, payload: Any, dynamodb: FailingDynamoDB) -> tuple[Any, BaseException | None]:
    """One invocation of the handler with its DynamoDB calls through `dynamodb`; (result, the error it raised).
    Every call must be one its function's policy in template.yaml grants (moto enforces no IAM)."""
    handler = load_handler(function)
    handler.runtime = dynamodb.runtime()
    result: Any = None
    error: BaseException | None = None
    with aws_calls() as calls:
        try:
            result = handler.lambda_handler(payload, RetriedLambdaContext())
        except Exception as exc:  # what Lambda would record as the invocation's error, then retry
            error = exc
    assert not sorted(calls - allowed_actions(function))
    return result, error


def _tally(stdout: str) -> Counter[tuple[str, tuple[tuple[str, str], ...]]]:
    """Data points per (metric, dimensions) in the EMF printed on stdout; the cold-start metric left out."""
    tally: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    for name, dimensions, value in emf(stdout):
        if name != "ColdStart":
            tally[(name, tuple(sorted(dimensions.items())))] += len(value) if isinstance(value, list) else 1
    return tally


def _per_path(name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, (("Path", "api"), ("Target", TARGET))


def _two_path_canary(aws: AwsWorld, *, created_at: datetime) -> CanaryStore:
    """Canary `c-retry`: path `first` (message `first-id`) already decided passed, path `second` (the example
    events' message id, to recipient@example.com) pending, so the event under test closes the last open path."""
    store = CanaryStore(aws.client("dynamodb"), CANARY_TABLE)
    paths = [
        new_path(
            "c-retry",
            name,
            PathKind.API,
            TARGET,
            deadline=created_at + timedelta(minutes=15),
            envelope=["recipient@example.com"],
            ses_message_id=message_id,
            sent_at=created_at,
        )
        for name, message_id in (("first", "first-id"), ("second", EXAMPLE_MESSAGE_ID))
    ]
    store.create(new_canary("c-retry", paths, created_at=created_at))
    store.decide_path("c-retry", "first", CanaryState.PASSED, (), now=created_at + timedelta(seconds=5))
    return store


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
    assert _tally(stdout) == metrics
    alerts = aws.alerts()
    assert [(alert["body"]["check"], alert["body"]["path"]) for alert in alerts] == [(c, "second") for c in checks]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_given_a_clean_invocation_when_it_decides_the_last_path_then_it_makes_exactly_the_listed_calls(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    # Given a canary whose second path the event decides
    store = _two_path_canary(aws, created_at=datetime(2015, 1, 1, tzinfo=UTC))
    counted = FailingDynamoDB()
    # When SNS delivers the event and nothing fails
    summary, error = _invoke("ses_events", event(f"ses_events/{name}"), counted)
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
    store = _two_path_canary(aws, created_at=datetime(2015, 1, 1, tzinfo=UTC))
    payload = event(f"ses_events/{name}")
    # When the invocation fails at DynamoDB call `position`
    failing = FailingDynamoDB(fail_at=position)
    _, error = _invoke("ses_events", payload, failing)
    assert failing.failed == SCENARIOS[name][3][position - 1]
    assert error is not None
    # and Lambda invokes the handler again with the same event, which succeeds
    _, error = _invoke("ses_events", payload, FailingDynamoDB())
    assert error is None, error
    # Then state, metrics (over both invocations) and alerts are as after one clean invocation
    _then_exactly_once(aws, store, name, capsys.readouterr().out)
    # And a further redelivery is a duplicate that emits nothing
    again, error = _invoke("ses_events", payload, FailingDynamoDB())
    assert (error, again["events"], again["decided"]) == (None, {"duplicate": 1}, [])
    assert not _tally(capsys.readouterr().out)
    assert aws.alerts() == []
