"""moto's server on 127.0.0.1 with the resources the SAM template creates, for the demo and the tests.

moto stands in for SES, SNS, SQS, DynamoDB, CloudWatch and Secrets Manager. Where moto differs from the real
services (it merges `Destinations` with header recipients, never publishes configuration-set events, never
evaluates alarms) the lab does not rely on it: the SES event emulator builds the events from what each
path really handed over.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from mailcanary.lab.net import LOOPBACK, free_port
from mailcanary.store.schema import canary_table_definition, idempotency_table_definition

__all__ = ["ARTIFACT_BUCKET", "AwsLab", "LabResources", "running_aws_lab"]

REGION = "us-east-1"
ARTIFACT_BUCKET = "mailcanary-artifacts"
_ACCESS_KEY = _SECRET_KEY = "testing"  # noqa: S105 - moto accepts any key; nothing real


@dataclass(frozen=True)
class LabResources:
    """Names and ARNs of what the lab created — the same shape the SAM template outputs."""

    sender: str
    configuration_set: str
    table_name: str
    idempotency_table_name: str
    alert_topic_arn: str
    alert_queue_url: str
    ses_event_topic_arn: str
    smtp_secret_arn: str
    inbound_bucket: str = ""  # where the lab's SES inbound stores what arrives (the template's InboundBucket)
    arrival_topic_arn: str = ""  # what its receipt rule notifies (the template's ArrivalTopic)
    artifact_bucket: str = ""


@dataclass(frozen=True)
class AwsLab:
    """A running moto server and a factory for boto3 clients pointed at it."""

    endpoint_url: str
    resources: LabResources

    def client(self, service: str) -> Any:
        """A boto3 client for `service` on the lab's endpoint (standard retries, short timeouts)."""
        config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=5, read_timeout=30)
        session = boto3.session.Session(
            aws_access_key_id=_ACCESS_KEY, aws_secret_access_key=_SECRET_KEY, region_name=REGION
        )
        return session.client(service, endpoint_url=self.endpoint_url, config=config)  # type: ignore[call-overload]

    def sent_raw_messages(self) -> dict[str, bytes]:
        """Raw bytes of every message moto's SES accepted, by SES message id (v1 and v2 sends alike).

        Only the bytes are used: moto's recipient list merges Destinations with the header recipients, which
        real SES does not do, so the lab takes the envelope from what the round passed as Destinations.
        """
        with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/data.json", timeout=30) as reply:  # noqa: S310 - loopback only
            data = json.load(reply)
        sent = data.get("ses", {}).get("RawMessage", [])
        return {str(item["id"]): str(item.get("raw_data", "")).encode("utf-8", "surrogateescape") for item in sent}

    def alerts_received(self) -> list[dict[str, Any]]:
        """Every alert published to the alert topic so far (drained from the subscribed queue)."""
        sqs = self.client("sqs")
        received: list[dict[str, Any]] = []
        for _ in range(100):  # bounded: at most 1,000 alerts per call
            batch = sqs.receive_message(QueueUrl=self.resources.alert_queue_url, MaxNumberOfMessages=10)
            messages = batch.get("Messages", [])
            if not messages:
                break
            for message in messages:
                envelope = json.loads(message["Body"])
                received.append({"subject": envelope.get("Subject"), "body": envelope.get("Message")})
                sqs.delete_message(QueueUrl=self.resources.alert_queue_url, ReceiptHandle=message["ReceiptHandle"])
        return received


@contextmanager
def running_aws_lab(sender: str = "canary@mailcanary.test") -> Iterator[AwsLab]:
    """Start moto's server on a free loopback port, create the template's resources, stop it on exit."""
    from moto.server import ThreadedMotoServer  # the lab extra; never imported inside Lambda

    port = free_port()
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
    server.start()
    endpoint = f"http://{LOOPBACK}:{port}"
    try:
        _reset(endpoint)  # moto's backends live in the process: start from nothing, whatever ran before
        resources = _create_resources(AwsLab(endpoint, _placeholder(sender)), sender)
        yield AwsLab(endpoint, resources)
    finally:
        try:
            _reset(endpoint)  # and leave nothing behind for the next lab in this process
        finally:
            server.stop()


def _reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - loopback only
        pass


def _placeholder(sender: str) -> LabResources:
    return LabResources(sender, "", "", "", "", "", "", "")


def _create_resources(lab: AwsLab, sender: str) -> LabResources:
    ses = lab.client("ses")
    ses.verify_email_identity(EmailAddress=sender)
    ses.create_configuration_set(ConfigurationSet={"Name": "mailcanary"})
    dynamodb = lab.client("dynamodb")
    dynamodb.create_table(**canary_table_definition("mailcanary-canaries"))
    dynamodb.create_table(**idempotency_table_definition("mailcanary-idempotency"))
    lab.client("s3").create_bucket(Bucket=ARTIFACT_BUCKET)
    sns = lab.client("sns")
    alert_topic = sns.create_topic(Name="mailcanary-alerts")["TopicArn"]
    event_topic = sns.create_topic(Name="mailcanary-ses-events")["TopicArn"]
    sqs = lab.client("sqs")
    queue_url = sqs.create_queue(QueueName="mailcanary-alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=alert_topic, Protocol="sqs", Endpoint=queue_arn)
    arrival_topic = sns.create_topic(Name="mailcanary-arrivals")["TopicArn"]
    lab.client("s3").create_bucket(Bucket="mailcanary-inbound")
    secret = lab.client("secretsmanager").create_secret(
        Name="mailcanary/smtp", SecretString=json.dumps({"username": "lab-user", "password": "lab-only-password"})
    )
    return LabResources(
        sender=sender,
        configuration_set="mailcanary",
        table_name="mailcanary-canaries",
        idempotency_table_name="mailcanary-idempotency",
        alert_topic_arn=alert_topic,
        alert_queue_url=queue_url,
        ses_event_topic_arn=event_topic,
        smtp_secret_arn=secret["ARN"],
        inbound_bucket="mailcanary-inbound",
        arrival_topic_arn=arrival_topic,
        artifact_bucket=ARTIFACT_BUCKET,
    )
