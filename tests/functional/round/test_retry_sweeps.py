"""The sweeper after a DynamoDB failure at every call position, and SES reports with unparsable addresses.

Through the real handlers under moto, as in test_retry_effects.py: a sweep that fails half-way and runs again
marks each overdue canary lost once and delivers its metrics (EMF) and alerts (SNS, read through SQS) once; an
address the standard parser cannot read in an event's `mail.destination` fails its path once, as a recorded
`recipients.delivered` failure, and never makes a later event or a sweep raise.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from failing_dynamodb import TARGET, Call, FailingDynamoDB, invoke_with, tally, two_path_canary
from handlers import event

from mailcanary.core.checks import CanaryState, Check
from mailcanary.store import CanaryStore
from tests.support.aws_world import CANARY_TABLE, AwsWorld

POISON = "(" * 1000  # the stdlib address parser recurses once per nested comment: RecursionError


# The DynamoDB calls of one clean sweep of one overdue two-path canary, in order: each is failed in turn.
SWEEP_CALLS: list[Call] = [
    ("Query", CANARY_TABLE, "by-pending"),  # the overdue canaries
    ("Query", CANARY_TABLE, ""),  # the whole canary
    ("TransactWriteItems", CANARY_TABLE, "3 items"),  # canary and both paths lost (and what that owes)
    ("UpdateItem", CANARY_TABLE, "alert"),  # the alert of path first (deduplication claim)
    ("UpdateItem", CANARY_TABLE, "alert"),  # the alert of path second
    ("UpdateItem", CANARY_TABLE, "canary"),  # forget what was delivered; out of the sweeper's index
]
LOST_METRICS = Counter(
    {
        ("CanaryFailed", (("Path", "api"), ("Target", TARGET))): 2,
        ("CanaryFailed", ()): 2,
        ("CheckFailed", (("Check", "lost"),)): 2,
    }
)


def _sweep(failing: FailingDynamoDB) -> tuple[Any, BaseException | None]:
    return invoke_with("sweeper", event("sweeper/scheduled.json"), failing)


def test_given_a_clean_sweep_when_a_canary_is_overdue_then_it_makes_exactly_the_listed_calls(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a canary created an hour ago that SES never reported on
    store = two_path_canary(aws, "c-lost", created_at=datetime.now(UTC) - timedelta(hours=1))
    counted = FailingDynamoDB()
    # When the scheduled sweep runs and nothing fails
    summary, error = _sweep(counted)
    # Then it makes the calls the retry test fails one by one, and loses the canary with every effect once
    assert (error, summary["lost"]) == (None, ["c-lost"])
    assert counted.calls == SWEEP_CALLS
    _then_lost_once(aws, store, capsys.readouterr().out)


@pytest.mark.parametrize("position", range(1, len(SWEEP_CALLS) + 1), ids=lambda position: f"call{position}")
def test_given_a_dynamodb_failure_at_any_call_when_the_sweep_runs_again_then_every_effect_happens_once(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], position: int
) -> None:
    # Given an overdue canary
    store = two_path_canary(aws, "c-lost", created_at=datetime.now(UTC) - timedelta(hours=1))
    # When a sweep fails at DynamoDB call `position` (the invocation fails, or an alert is left owed)
    failing = FailingDynamoDB(fail_at=position, code="InternalServerError")
    first, error = _sweep(failing)
    assert failing.failed == SWEEP_CALLS[position - 1]
    assert error is not None or first["alert_errors"]
    # and the sweep runs again, cleanly
    _, error = _sweep(FailingDynamoDB())
    assert error is None, error
    # Then the canary is lost once, with its metrics (over both sweeps) and alerts once
    _then_lost_once(aws, store, capsys.readouterr().out)
    # And a third sweep finds nothing to do
    third, error = _sweep(FailingDynamoDB())
    assert (error, third["examined"], third["decided"]) == (None, 0, [])
    assert not tally(capsys.readouterr().out)


def _then_lost_once(aws: AwsWorld, store: CanaryStore, stdout: str) -> None:
    canary = store.get("c-lost")
    assert canary is not None
    assert (canary.state, [path.state for path in canary.paths]) == (CanaryState.LOST, [CanaryState.LOST] * 2)
    assert canary.effects_owed == frozenset()
    assert "pending_shard" not in aws.items("c-lost")["canary"]  # out of the sweeper's index
    assert tally(stdout) == LOST_METRICS
    alerts = sorted((alert["body"]["check"], alert["body"]["path"]) for alert in aws.alerts())
    assert alerts == [("lost", "first"), ("lost", "second")]


def _poisoned(name: str) -> dict[str, Any]:
    """The example SNS event `name` with an unparsable address added to SES's `mail.destination`."""
    payload = event(f"ses_events/{name}")
    sns = payload["Records"][0]["Sns"]
    message = json.loads(sns["Message"])
    message["mail"]["destination"].append(POISON)
    sns["Message"] = json.dumps(message)
    return payload


def test_given_an_unparsable_destination_when_events_arrive_then_the_path_fails_once_and_nothing_raises(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a canary whose second path SES reports on
    store = two_path_canary(aws, "c-poison", created_at=datetime(2015, 1, 1, tzinfo=UTC), decided=("first",))
    # When its Delivery arrives with a thousand "(" in mail.destination
    summary, error = invoke_with("ses_events", _poisoned("sns-delivery.json"), FailingDynamoDB())
    # Then the path is decided failed once: recipients.delivered, with a short detail, counted and alerted
    assert error is None, error
    canary = store.get("c-poison")
    assert canary is not None
    second = canary.path("second")
    assert second is not None
    assert (canary.state, second.state) == (CanaryState.FAILED, CanaryState.FAILED)
    [failed] = second.failed_checks
    assert failed.check is Check.RECIPIENTS_DELIVERED
    assert "cannot be parsed" in failed.detail
    assert len(failed.detail) < 200
    assert tally(capsys.readouterr().out)[("CheckFailed", (("Check", "recipients.delivered"),))] == 1
    assert [alert["body"]["check"] for alert in aws.alerts()] == ["recipients.delivered"]
    assert summary["alerts_published"] == 1
    # And later events for the path (another poisoned one, its redelivery) are recorded without raising
    for payload in (_poisoned("sns-bounce.json"), _poisoned("sns-bounce.json")):
        later, error = invoke_with("ses_events", payload, FailingDynamoDB())
        assert error is None, error
        assert later["decided"] == []
    assert not [m for m in tally(capsys.readouterr().out) if m[0] in {"CanaryFailed", "CheckFailed"}]


def test_given_a_pending_path_with_an_unparsable_destination_on_record_when_swept_then_it_is_lost_not_raised(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an overdue canary whose pending path holds an SES event with an unparsable address (as recorded
    # before such addresses ended a path), which used to make every sweep raise
    from mailcanary.ses.events import EventType
    from mailcanary.store import ObservedEvent

    store = two_path_canary(aws, "c-lost", created_at=datetime.now(UTC) - timedelta(hours=1), decided=("first",))
    poisoned = ObservedEvent("poisoned", EventType.DELIVERY, None, ("recipient@example.com", POISON))
    store.record_event("c-lost", "second", poisoned)
    # When the sweeper runs
    summary, error = _sweep(FailingDynamoDB())
    # Then the canary is lost, and the lost path's detail says what SES's report held
    assert (error, summary["lost"]) == (None, ["c-lost"])
    [alert] = aws.alerts()
    assert (alert["body"]["check"], alert["body"]["path"]) == ("lost", "second")
    assert "cannot be parsed" in alert["body"]["detail"]
    assert tally(capsys.readouterr().out)[("CheckFailed", (("Check", "lost"),))] == 1
