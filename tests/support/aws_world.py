"""The one moto world of the functional tests (the `aws` fixture in tests/conftest.py hands it out).

What the SAM template deploys, built through the production code where there is some: the canary and
idempotency tables from `mailcanary.store.schema` with TTL on, a verified SES sender, the alert topic with an
SQS queue subscribed (so a test reads what production published, through the same SNS publish), and the SMTP
secret. A folder that needs more (the doctor's stack, a dead-letter queue) adds it on top inside its test.

Cost and independence: the mock and the clients that build the world live for the whole session (a boto3
client costs tens of milliseconds to make; building the world with warm clients is a few milliseconds of
moto calls). Between tests moto's own reset empties every backend and the baseline is built again. An
in-place cleanup (delete items, purge the queue) would be cheaper still, but it must know every resource and
record a test may add (queues, identities, alarms, metric data, SES's list of sent messages); one it missed
would make tests depend on their order. moto's reset cannot miss one.

Clients a test asks for (`AwsWorld.client`) are made for that test only: tests register event hooks and
Stubbers on them, which must not leak into the next test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mailcanary.config.runtime import Runtime
from mailcanary.config.settings import Settings
from mailcanary.store import CanaryRecord, CanaryStore, canary_table_definition, idempotency_table_definition
from mailcanary.store.schema import IDEMPOTENCY_TTL_ATTRIBUTE, TTL_ATTRIBUTE

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
SENDER = "canary@example.com"
CANARY_TABLE = "mailcanary-canaries-test"
IDEMPOTENCY_TABLE = "mailcanary-idempotency-test"
ALERT_TOPIC = "mailcanary-alerts"
SMTP_USERNAME = "mailcanary-lab"
SMTP_PASSWORD = "lab-Pa55word-not-for-logs"  # the SMTP secret's password; tests assert it never leaks
MISSING_TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:mailcanary-alerts-missing"  # an alert topic that is down
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's dummy credentials and the region; no profile or endpoint of the machine can leak in."""
    for name, value in _FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@dataclass
class AwsWorld:
    """One test's view of the moto world: resource names, clients, and readers of what the code published."""

    alert_topic_arn: str
    alert_queue_url: str
    secret_arn: str
    clients: dict[tuple[str, str | None], Any] = field(default_factory=dict)

    def client(self, service: str, region: str | None = None) -> Any:
        """This test's client of `service` (made on first use, kept for the test)."""
        key = (service, region)
        if key not in self.clients:
            self.clients[key] = self.new_client(service, region)
        return self.clients[key]

    def new_client(self, service: str, region: str | None = None) -> Any:
        """A client of its own (for a Stubber, or a hook other callers must not see)."""
        return boto3.client(service, region_name=region or REGION)  # type: ignore[call-overload]

    def store(self) -> CanaryStore:
        return CanaryStore(self.client("dynamodb"), CANARY_TABLE)

    def settings(self, **values: Any) -> Settings:
        """The deployment's settings pointing at this world (`values` override fields)."""
        base: dict[str, Any] = {
            "sender": SENDER,
            "ses_region": REGION,
            "table_name": CANARY_TABLE,
            "idempotency_table_name": IDEMPOTENCY_TABLE,
            "alert_topic_arn": self.alert_topic_arn,
            "smtp_secret_arn": self.secret_arn,
        }
        return Settings.model_validate(base | values)

    def runtime(self, now: datetime | None = None, **values: Any) -> Runtime:
        """What the services run with: these settings, this test's clients, and a fixed clock if `now` is given."""
        if now is None:
            return Runtime(self.settings(**values), clients=self.client)
        return Runtime(self.settings(**values), clients=self.client, now=lambda: now)

    def environment(self) -> dict[str, str]:
        """The function environment the template sets, pointing at this world."""
        return {
            "MAILCANARY_SENDER": SENDER,
            "MAILCANARY_SES_REGION": REGION,
            "MAILCANARY_TABLE_NAME": CANARY_TABLE,
            "MAILCANARY_IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
            "MAILCANARY_ALERT_TOPIC_ARN": self.alert_topic_arn,
            "MAILCANARY_SMTP_SECRET_ARN": self.secret_arn,
            "MAILCANARY_CONFIGURATION_SET": "mailcanary",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert SNS delivered to the subscribed queue since the last call: {"subject", "body"}."""
        sqs = self.client("sqs")
        found: list[dict[str, Any]] = []
        for _ in range(20):  # bounded: moto delivers synchronously, so one empty read means drained
            reply = sqs.receive_message(QueueUrl=self.alert_queue_url, MaxNumberOfMessages=10)
            messages = reply.get("Messages", [])
            if not messages:
                break
            for message in messages:
                envelope = json.loads(message["Body"])
                found.append({"subject": envelope.get("Subject"), "body": json.loads(envelope["Message"])})
                sqs.delete_message(QueueUrl=self.alert_queue_url, ReceiptHandle=message["ReceiptHandle"])
        return found

    def canary(self, canary_id: str) -> CanaryRecord:
        """The canary as the store reads it (its state, paths, sends and events)."""
        record = self.store().get(canary_id)
        assert record is not None, f"no canary {canary_id}"
        return record

    def state(self, canary_id: str, path: str | None = None) -> str:
        """The state of the canary, or of one of its paths, read through the store."""
        canary = self.canary(canary_id)
        if path is None:
            return canary.state.value
        record = canary.path(path)
        assert record is not None, f"no path {path} in {canary_id}"
        return record.state.value

    def items(self, canary_id: str) -> dict[str, dict[str, Any]]:
        """The canary's raw DynamoDB items by sort key (for what only the table shows, e.g. index attributes)."""
        reply = self.client("dynamodb").query(
            TableName=CANARY_TABLE,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": canary_id}},
        )
        return {item["sk"]["S"]: item for item in reply["Items"]}

    def sent_raw(self) -> list[Any]:
        """moto's record of every raw message SES accepted in the region (v1 and v2 alike)."""
        from moto.ses.models import ses_backends

        return list(ses_backends[ACCOUNT][REGION].sent_messages)


class MotoSession:
    """The mock and the builder's clients, for the whole test session; `open` gives each test a fresh world."""

    def __init__(self) -> None:
        self._mock = mock_aws()
        self._clients: dict[str, Any] = {}

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=REGION)  # type: ignore[call-overload]
        return self._clients[service]

    def open(self) -> AwsWorld:
        """Start the mock with every backend empty (moto's reset) and build the baseline world."""
        self._mock.start(reset=True)
        try:
            return self._build()
        except BaseException:
            self._mock.stop()
            raise

    def close(self) -> None:
        self._mock.stop()  # and moto forgets the data

    def _build(self) -> AwsWorld:
        dynamodb = self._client("dynamodb")
        for definition, ttl in (
            (canary_table_definition(CANARY_TABLE), TTL_ATTRIBUTE),
            (idempotency_table_definition(IDEMPOTENCY_TABLE), IDEMPOTENCY_TTL_ATTRIBUTE),
        ):
            dynamodb.create_table(**definition)
            dynamodb.update_time_to_live(
                TableName=definition["TableName"], TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
            )
        self._client("ses").verify_email_identity(EmailAddress=SENDER)
        sns, sqs = self._client("sns"), self._client("sqs")
        topic = sns.create_topic(Name=ALERT_TOPIC)["TopicArn"]
        queue_url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        stored = json.dumps({"username": SMTP_USERNAME, "password": SMTP_PASSWORD})
        secret = self._client("secretsmanager").create_secret(Name="mailcanary-smtp", SecretString=stored)["ARN"]
        return AwsWorld(topic, queue_url, secret)
