"""Proof of arrival through the real handlers under moto: a round sends to a plain MTA, SES inbound's stored copy
and its "Received" notification (events/arrival/sns-received.json) go through the arrival handler, which decides
the path; every AWS call is one the ArrivalFunction's policy in template.yaml grants."""

from __future__ import annotations

import json
from typing import Any

import pytest
from handlers import count, emf, event, invoke, load_handler
from plain_relay import PlainRelay

from tests.support.aws_world import AwsWorld

DOMAIN = "inbound.example.org"
BUCKET = "mailcanary-inbound"


def _received(key: str, recipients: list[str], ses_id: str) -> dict[str, Any]:
    """The sample event, its receipt pointing at the copy stored under `key`."""
    sample = event("arrival/sns-received.json")
    notification = json.loads(sample["Records"][0]["Sns"]["Message"])
    notification["receipt"]["action"] |= {"bucketName": BUCKET, "objectKey": key}
    notification["receipt"]["recipients"] = recipients
    # (the documented sample predates SES's DMARC verdict, which the arrival checks require: a current receipt)
    notification["receipt"]["dmarcVerdict"] = {"status": "PASS"}
    notification["mail"]["messageId"] = ses_id
    sample["Records"][0]["Sns"]["Message"] = json.dumps(notification)
    return sample


@pytest.fixture
def arrival_env(aws: AwsWorld, env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    env.setenv("MAILCANARY_RECEIVING_DOMAIN", DOMAIN)
    aws.client("s3").create_bucket(Bucket=BUCKET)
    return env


def test_given_a_path_awaiting_arrival_when_its_copy_is_received_then_the_handler_decides_it_once(
    aws: AwsWorld, arrival_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with PlainRelay() as relay:
        # Given a round that sent through a plain MTA with a receiving domain configured
        arrival_env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([relay.target()]))
        summary = invoke(load_handler("canary"), {"paths": ["smtp"]})
    [(rcpts, raw)] = relay.messages
    assert aws.state(summary["canary_id"], "smtp:relay") == "pending"
    # And SES inbound stored the copy and notified
    key = f"inbound/{summary['canary_id']}"
    aws.client("s3").put_object(Bucket=BUCKET, Key=key, Body=b"Received: from relay by inbound-smtp\r\n" + raw)
    capsys.readouterr()
    # When the arrival handler gets the notification
    handler = load_handler("arrival")
    result = invoke(handler, _received(key, list(rcpts), "ses-inbound-1"))
    metrics = emf(capsys.readouterr().out)
    # Then the path and the canary passed, with the arrival latency and the pass counted once, and no alert
    assert result["arrivals"] == {"applied": 1}, result
    assert (aws.state(summary["canary_id"], "smtp:relay"), aws.state(summary["canary_id"])) == ("passed", "passed")
    assert count(metrics, "ArrivalLatency", Path="smtp", Target="relay") == 1
    assert count(metrics, "CanaryPassed", Path="smtp", Target="relay") == 1
    assert aws.alerts() == []
    # And a redelivery changes and counts nothing
    again = invoke(handler, _received(key, list(rcpts), "ses-inbound-1"))
    assert again["arrivals"] == {"duplicate": 1}
    assert not [m for m in emf(capsys.readouterr().out) if m[0] != "ColdStart"]


def test_given_a_copy_whose_receipt_failed_dkim_when_received_then_authentication_fails_and_alerts(
    aws: AwsWorld, arrival_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with PlainRelay() as relay:
        arrival_env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([relay.target()]))
        summary = invoke(load_handler("canary"), {"paths": ["smtp"]})
    [(rcpts, raw)] = relay.messages
    key = f"inbound/{summary['canary_id']}"
    aws.client("s3").put_object(Bucket=BUCKET, Key=key, Body=raw)
    received = _received(key, list(rcpts), "ses-inbound-2")
    notification = json.loads(received["Records"][0]["Sns"]["Message"])
    notification["receipt"]["dkimVerdict"] = {"status": "FAIL"}
    received["Records"][0]["Sns"]["Message"] = json.dumps(notification)
    capsys.readouterr()
    # When the arrival handler gets a receipt whose DKIM verdict failed
    invoke(load_handler("arrival"), received)
    metrics = emf(capsys.readouterr().out)
    # Then delivery.authentication fails alone, is counted for its alarm and alerted once
    assert aws.state(summary["canary_id"], "smtp:relay") == "failed"
    assert count(metrics, "CheckFailed", Check="delivery.authentication") == 1
    assert [alert["body"]["check"] for alert in aws.alerts()] == ["delivery.authentication"]


def test_given_notifications_that_cannot_be_read_when_received_then_they_are_reported_not_retried(
    aws: AwsWorld, arrival_env: pytest.MonkeyPatch
) -> None:
    # Given a notification that is not a receipt, and one whose stored copy is over the size bound
    aws.client("s3").put_object(Bucket=BUCKET, Key="inbound/huge", Body=b"x" * (10 * 1024 * 1024 + 1))
    broken = event("arrival/sns-received.json")
    broken["Records"][0]["Sns"]["Message"] = "{not json"
    huge = _received("inbound/huge", [f"canary@{DOMAIN}"], "ses-inbound-3")
    both = {"Records": broken["Records"] + huge["Records"]}
    # When the arrival handler gets them; Then it returns, naming why each was skipped
    result = invoke(load_handler("arrival"), both)
    assert result["arrivals"] == {}
    assert len(result["unreadable"]) == 2
    assert "more than" in result["unreadable"][1]
