"""Alerts through moto: SNS (read back through an SQS subscription) and the DynamoDB dedup state."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from mailcanary.core.checks import Check, Verdict
from mailcanary.core.redaction import SecretForms
from mailcanary.report.alerts import AlertAction, AlertError, AlertPublisher, subject_for
from mailcanary.services.alerting import alert_publisher
from tests.support.aws_world import CANARY_TABLE, MISSING_TOPIC_ARN, AwsWorld


@dataclass
class Alerting:
    """The deployment's alert publisher, built by the services' one builder on the shared moto world."""

    publisher: AlertPublisher
    world: AwsWorld

    def received(self) -> list[dict[str, Any]]:
        """Every SNS envelope delivered to the queue so far (bounded: at most 10 polls)."""
        envelopes = []
        for _ in range(10):
            reply = self.world.client("sqs").receive_message(
                QueueUrl=self.world.alert_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            messages = reply.get("Messages", [])
            if not messages:
                break
            for message in messages:
                envelopes.append(json.loads(message["Body"]))
                self.world.client("sqs").delete_message(
                    QueueUrl=self.world.alert_queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return envelopes


@pytest.fixture
def alerting(aws: AwsWorld) -> Alerting:
    publisher = alert_publisher(aws.runtime())
    assert publisher is not None
    return Alerting(publisher, aws)


def failed_sequence(path: str = "smtp:relay-1") -> Verdict:
    return Verdict(
        check=Check.SMTP_SEQUENCE,
        passed=False,
        path=path,
        detail="DATA was sent before any RCPT was accepted",
        expected=["EHLO", "MAIL", "RCPT", "DATA"],
        observed={"DATA", "EHLO", "MAIL"},
        evidence=(
            "-> EHLO canary",
            "<- 250 ok",
            "-> AUTH PLAIN AHVzZXIAaHVudGVyMg==",
            "-> DATA",
            "<- 503 5.5.1 no rcpt",
        ),
    )


def test_given_a_new_failure_when_published_then_one_sns_message_with_subject_and_redacted_json_body(
    alerting: Alerting,
) -> None:
    # Given a failed sequence check whose evidence contains an AUTH line and a registered password
    verdict = failed_sequence()
    # When the publisher runs for canary c-1
    outcomes = alerting.publisher.publish([verdict], canary_id="c-1", forms=SecretForms.of(None, ["hunter2"]))
    # Then one message is on the topic, with a human subject and a JSON body without the secret
    assert outcomes == [AlertAction.PUBLISHED]
    (envelope,) = alerting.received()
    assert envelope["Subject"] == "mailcanary: smtp.sequence failed on smtp:relay-1 (canary c-1)"
    body = json.loads(envelope["Message"])
    assert body["canary_id"] == "c-1"
    assert body["path"] == "smtp:relay-1"
    assert body["check"] == "smtp.sequence"
    assert body["expected"] == ["EHLO", "MAIL", "RCPT", "DATA"]
    assert body["observed"] == ["DATA", "EHLO", "MAIL"]
    assert "-> DATA" in body["transcript_excerpt"]
    assert "AHVzZXIAaHVudGVyMg==" not in envelope["Message"]
    assert "hunter2" not in envelope["Message"]
    assert envelope["MessageAttributes"]["check"]["Value"] == "smtp.sequence"


def test_given_a_persisting_failure_when_later_rounds_fail_the_same_way_then_no_repeat_alert(
    alerting: Alerting,
) -> None:
    # Given an alert already sent for smtp:relay-1 / smtp.sequence
    alerting.publisher.publish([failed_sequence()], canary_id="c-1")
    # When the next two rounds fail the same check on the same path
    second = alerting.publisher.publish([failed_sequence()], canary_id="c-2")
    third = alerting.publisher.publish([failed_sequence()], canary_id="c-3")
    # Then they are suppressed, and the state item counts the occurrences
    assert second == third == [AlertAction.SUPPRESSED]
    assert len(alerting.received()) == 1
    item = alerting.world.client("dynamodb").get_item(
        TableName=CANARY_TABLE, Key={"pk": {"S": "alert#smtp:relay-1#smtp.sequence"}, "sk": {"S": "alert"}}
    )["Item"]
    assert item["occurrences"]["N"] == "3"
    assert item["first_canary_id"]["S"] == "c-1"
    assert item["last_canary_id"]["S"] == "c-3"
    assert int(item["expires_at"]["N"]) > int(item["last_seen_at"]["N"])


def test_given_an_open_failure_when_the_check_passes_then_a_later_failure_alerts_again(alerting: Alerting) -> None:
    # Given an open failure
    alerting.publisher.publish([failed_sequence()], canary_id="c-1")
    # When the same path and check pass, then fail again
    recovered = alerting.publisher.publish(
        [Verdict(check=Check.SMTP_SEQUENCE, passed=True, path="smtp:relay-1")], canary_id="c-2"
    )
    again = alerting.publisher.publish([failed_sequence()], canary_id="c-3")
    # Then the recovery cleared the state and the new failure alerted
    assert recovered == [AlertAction.CLEARED]
    assert again == [AlertAction.PUBLISHED]
    assert [json.loads(e["Message"])["canary_id"] for e in alerting.received()] == ["c-1", "c-3"]


def test_given_failures_on_two_paths_when_published_then_each_path_alerts_once(alerting: Alerting) -> None:
    # Given the same check failing on two paths, and a passing check with nothing open
    verdicts = [failed_sequence("smtp:relay-1"), failed_sequence("smtp:relay-2"), Verdict(Check.SES_API, True, "api")]
    # When published together
    outcomes = alerting.publisher.publish(verdicts, canary_id="c-9")
    # Then two alerts, the pass changes nothing
    assert outcomes == [AlertAction.PUBLISHED, AlertAction.PUBLISHED, AlertAction.NOTHING]
    assert len(alerting.received()) == 2


def test_given_an_sns_failure_when_publishing_then_alert_error_and_the_next_round_retries(alerting: Alerting) -> None:
    # Given a publisher pointed at a topic that does not exist
    broken = AlertPublisher(alerting.publisher.sns_client, MISSING_TOPIC_ARN, alerting.publisher.dedup_store)
    # When it tries to alert
    with pytest.raises(AlertError, match=r"smtp\.sequence"):
        broken.publish([failed_sequence()], canary_id="c-1")
    # Then the claim was released, so a working publisher still alerts on the next round
    assert alerting.publisher.publish([failed_sequence()], canary_id="c-2") == [AlertAction.PUBLISHED]


def test_given_a_very_long_path_when_the_subject_is_built_then_it_fits_sns_limit() -> None:
    verdict = Verdict(Check.RECIPIENTS_HEADER_VS_ENVELOPE, False, "smtp:" + "relay.example.com" * 10 + "\r\n")
    subject = subject_for(verdict, "c-1")
    assert len(subject) <= 100
    assert subject.endswith("...")
    assert "\n" not in subject


def test_given_some_open_failures_when_read_for_many_pairs_then_only_those_are_open(alerting: Alerting) -> None:
    # Given open failures on two of 150 (path, check) pairs, one path name containing '#'
    alerting.publisher.publish([failed_sequence("smtp:relay-7"), failed_sequence("smtp:odd#name")], canary_id="c-1")
    pairs = [
        (f"smtp:relay-{i}", check.value) for i in range(50) for check in (Check.SMTP_SEQUENCE, Check.SMTP_TRANSPORT)
    ]
    pairs += [(f"smtp:other-{i}", "smtp.sequence") for i in range(49)] + [("smtp:odd#name", "smtp.sequence")]
    # When they are read at once (more than one BatchGetItem of 100 keys)
    known = alerting.publisher.dedup_store.open_among(pairs)
    # Then every pair is settled and exactly the two open ones are open
    assert known.checked == frozenset(pairs)
    assert known.open == {("smtp:relay-7", "smtp.sequence"), ("smtp:odd#name", "smtp.sequence")}
    assert known.known_closed("smtp:relay-8", "smtp.sequence")
    assert not known.known_closed("smtp:relay-7", "smtp.sequence")
    assert not known.known_closed("smtp:never-read", "smtp.sequence")


def test_given_pairs_read_as_open_or_closed_when_checks_pass_then_open_ones_clear_and_closed_ones_cost_no_write(
    alerting: Alerting,
) -> None:
    # Given relay-1 open and relay-2 closed when read
    alerting.publisher.publish([failed_sequence("smtp:relay-1")], canary_id="c-1")
    known = alerting.publisher.dedup_store.open_among(
        [("smtp:relay-1", "smtp.sequence"), ("smtp:relay-2", "smtp.sequence")]
    )
    # ... and relay-2 opened after the read (by a concurrent round), so only skipping its delete keeps it open
    alerting.publisher.publish([failed_sequence("smtp:relay-2")], canary_id="c-2")
    passes = [Verdict(Check.SMTP_SEQUENCE, True, "smtp:relay-1"), Verdict(Check.SMTP_SEQUENCE, True, "smtp:relay-2")]
    # When both pass in a round that read `known`
    outcomes = alerting.publisher.publish(passes, canary_id="c-3", known=known)
    # Then relay-1 is cleared, relay-2 was not written (still open), and without `known` a pass deletes it
    assert outcomes == [AlertAction.CLEARED, AlertAction.NOTHING]
    assert alerting.publisher.dedup_store.open_among([("smtp:relay-2", "smtp.sequence")]).open
    assert alerting.publisher.publish(passes[1:], canary_id="c-4") == [AlertAction.CLEARED]
