"""Alerts through moto: SNS (read back through an SQS subscription) and the DynamoDB dedup state."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mailcanary.core.checks import Check, Verdict
from mailcanary.core.redaction import SecretForms
from mailcanary.report.alerts import AlertAction, AlertError, AlertPublisher, subject_for
from mailcanary.store import DynamoAlertState

REGION = "us-east-1"
TABLE = "mailcanary-canaries"


@dataclass
class Aws:
    publisher: AlertPublisher
    sqs: Any
    queue_url: str
    dynamodb: Any

    def received(self) -> list[dict[str, Any]]:
        """Every SNS envelope delivered to the queue so far (bounded: at most 10 polls)."""
        envelopes = []
        for _ in range(10):
            reply = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = reply.get("Messages", [])
            if not messages:
                break
            for message in messages:
                envelopes.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return envelopes


def create_canary_table(dynamodb: Any, name: str = TABLE) -> None:
    """The canary table as template.yaml declares it (pk/sk, GSI by-ses-message-id)."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "ses_message_id", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-ses-message-id",
                "KeySchema": [{"AttributeName": "ses_message_id", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_canary_table(dynamodb)
        topic_arn = sns.create_topic(Name="mailcanary-alerts")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        publisher = AlertPublisher(sns, topic_arn, DynamoAlertState(dynamodb, TABLE))
        yield Aws(publisher, sqs, queue_url, dynamodb)


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


def test_given_a_new_failure_when_published_then_one_sns_message_with_subject_and_redacted_json_body(aws: Aws) -> None:
    # Given a failed sequence check whose evidence contains an AUTH line and a registered password
    verdict = failed_sequence()
    # When the publisher runs for canary c-1
    outcomes = aws.publisher.publish([verdict], canary_id="c-1", forms=SecretForms.of(None, ["hunter2"]))
    # Then one message is on the topic, with a human subject and a JSON body without the secret
    assert outcomes == [AlertAction.PUBLISHED]
    (envelope,) = aws.received()
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


def test_given_a_persisting_failure_when_later_rounds_fail_the_same_way_then_no_repeat_alert(aws: Aws) -> None:
    # Given an alert already sent for smtp:relay-1 / smtp.sequence
    aws.publisher.publish([failed_sequence()], canary_id="c-1")
    # When the next two rounds fail the same check on the same path
    second = aws.publisher.publish([failed_sequence()], canary_id="c-2")
    third = aws.publisher.publish([failed_sequence()], canary_id="c-3")
    # Then they are suppressed, and the state item counts the occurrences
    assert second == third == [AlertAction.SUPPRESSED]
    assert len(aws.received()) == 1
    item = aws.dynamodb.get_item(
        TableName=TABLE, Key={"pk": {"S": "alert#smtp:relay-1#smtp.sequence"}, "sk": {"S": "alert"}}
    )["Item"]
    assert item["occurrences"]["N"] == "3"
    assert item["first_canary_id"]["S"] == "c-1"
    assert item["last_canary_id"]["S"] == "c-3"
    assert int(item["expires_at"]["N"]) > int(item["last_seen_at"]["N"])


def test_given_an_open_failure_when_the_check_passes_then_a_later_failure_alerts_again(aws: Aws) -> None:
    # Given an open failure
    aws.publisher.publish([failed_sequence()], canary_id="c-1")
    # When the same path and check pass, then fail again
    recovered = aws.publisher.publish(
        [Verdict(check=Check.SMTP_SEQUENCE, passed=True, path="smtp:relay-1")], canary_id="c-2"
    )
    again = aws.publisher.publish([failed_sequence()], canary_id="c-3")
    # Then the recovery cleared the state and the new failure alerted
    assert recovered == [AlertAction.CLEARED]
    assert again == [AlertAction.PUBLISHED]
    assert [json.loads(e["Message"])["canary_id"] for e in aws.received()] == ["c-1", "c-3"]


def test_given_failures_on_two_paths_when_published_then_each_path_alerts_once(aws: Aws) -> None:
    # Given the same check failing on two paths, and a passing check with nothing open
    verdicts = [failed_sequence("smtp:relay-1"), failed_sequence("smtp:relay-2"), Verdict(Check.SES_API, True, "api")]
    # When published together
    outcomes = aws.publisher.publish(verdicts, canary_id="c-9")
    # Then two alerts, the pass changes nothing
    assert outcomes == [AlertAction.PUBLISHED, AlertAction.PUBLISHED, AlertAction.NOTHING]
    assert len(aws.received()) == 2


def test_given_an_sns_failure_when_publishing_then_alert_error_and_the_next_round_retries(aws: Aws) -> None:
    # Given a publisher pointed at a topic that does not exist
    broken = AlertPublisher(
        aws.publisher.sns_client, "arn:aws:sns:us-east-1:123456789012:missing", aws.publisher.dedup_store
    )
    # When it tries to alert
    with pytest.raises(AlertError, match=r"smtp\.sequence"):
        broken.publish([failed_sequence()], canary_id="c-1")
    # Then the claim was released, so a working publisher still alerts on the next round
    assert aws.publisher.publish([failed_sequence()], canary_id="c-2") == [AlertAction.PUBLISHED]


def test_given_a_very_long_path_when_the_subject_is_built_then_it_fits_sns_limit() -> None:
    verdict = Verdict(Check.RECIPIENTS_HEADER_VS_ENVELOPE, False, "smtp:" + "relay.example.com" * 10 + "\r\n")
    subject = subject_for(verdict, "c-1")
    assert len(subject) <= 100
    assert subject.endswith("...")
    assert "\n" not in subject


def test_given_some_open_failures_when_read_for_many_pairs_then_only_those_are_open(aws: Aws) -> None:
    # Given open failures on two of 150 (path, check) pairs, one path name containing '#'
    aws.publisher.publish([failed_sequence("smtp:relay-7"), failed_sequence("smtp:odd#name")], canary_id="c-1")
    pairs = [
        (f"smtp:relay-{i}", check.value) for i in range(50) for check in (Check.SMTP_SEQUENCE, Check.SMTP_TRANSPORT)
    ]
    pairs += [(f"smtp:other-{i}", "smtp.sequence") for i in range(49)] + [("smtp:odd#name", "smtp.sequence")]
    # When they are read at once (more than one BatchGetItem of 100 keys)
    known = aws.publisher.dedup_store.open_among(pairs)
    # Then every pair is settled and exactly the two open ones are open
    assert known.checked == frozenset(pairs)
    assert known.open == {("smtp:relay-7", "smtp.sequence"), ("smtp:odd#name", "smtp.sequence")}
    assert known.known_closed("smtp:relay-8", "smtp.sequence")
    assert not known.known_closed("smtp:relay-7", "smtp.sequence")
    assert not known.known_closed("smtp:never-read", "smtp.sequence")


def test_given_pairs_read_as_open_or_closed_when_checks_pass_then_open_ones_clear_and_closed_ones_cost_no_write(
    aws: Aws,
) -> None:
    # Given relay-1 open and relay-2 closed when read
    aws.publisher.publish([failed_sequence("smtp:relay-1")], canary_id="c-1")
    known = aws.publisher.dedup_store.open_among([("smtp:relay-1", "smtp.sequence"), ("smtp:relay-2", "smtp.sequence")])
    # ... and relay-2 opened after the read (by a concurrent round), so only skipping its delete keeps it open
    aws.publisher.publish([failed_sequence("smtp:relay-2")], canary_id="c-2")
    passes = [Verdict(Check.SMTP_SEQUENCE, True, "smtp:relay-1"), Verdict(Check.SMTP_SEQUENCE, True, "smtp:relay-2")]
    # When both pass in a round that read `known`
    outcomes = aws.publisher.publish(passes, canary_id="c-3", known=known)
    # Then relay-1 is cleared, relay-2 was not written (still open), and without `known` a pass deletes it
    assert outcomes == [AlertAction.CLEARED, AlertAction.NOTHING]
    assert aws.publisher.dedup_store.open_among([("smtp:relay-2", "smtp.sequence")]).open
    assert aws.publisher.publish(passes[1:], canary_id="c-4") == [AlertAction.CLEARED]
