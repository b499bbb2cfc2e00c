"""The world of the round and handler tests (fixtures in conftest.py): a moto AWS (tables from store.schema,
a verified SES sender, the alert topic read through an SQS subscription, the SMTP secret) and the lab SMTP
endpoint on 127.0.0.1."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from mailcanary.config.runtime import Runtime
from mailcanary.config.settings import Settings
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint
from mailcanary.store import CanaryRecord, CanaryStore

REGION = "us-east-1"
SENDER = "canary@example.com"
CANARY_TABLE = "round-canaries"
IDEMPOTENCY_TABLE = "round-idempotency"


@dataclass
class AwsWorld:
    """moto-backed AWS for one test: clients, resource names, and readers of what the code published."""

    alert_topic_arn: str
    alert_queue_url: str
    secret_arn: str
    clients: dict[tuple[str, str | None], Any] = field(default_factory=dict)

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region)
        if key not in self.clients:
            self.clients[key] = boto3.client(service, region_name=region or REGION)  # type: ignore[call-overload]
        return self.clients[key]

    def settings(self, **values: Any) -> Settings:
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
        if now is None:
            return Runtime(self.settings(**values), clients=self.client)
        return Runtime(self.settings(**values), clients=self.client, now=lambda: now)

    def alerts(self) -> list[dict[str, Any]]:
        """Every SNS alert delivered to the subscribed queue so far: {"subject", "body"}."""
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
        record = CanaryStore(self.client("dynamodb"), CANARY_TABLE).get(canary_id)
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
        from moto.ses.models import ses_backends

        return list(ses_backends["123456789012"][REGION].sent_messages)


LAB_PASSWORD = "lab-Pa55word-not-for-logs"  # what the lab endpoint accepts; asserted absent from every output


def lab_target(endpoint: LabSmtpEndpoint, name: str = "lab") -> dict[str, Any]:
    """The lab endpoint as a configured SMTP target: STARTTLS, AUTH, trusting the lab's CA."""
    return {"name": name, "host": endpoint.host, "port": endpoint.port, "tls": "starttls", "ca_file": endpoint.ca_file}


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
