"""Fixtures of the round tests; the shared world and constants live in round_world.py."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from round_world import CANARY_TABLE, IDEMPOTENCY_TABLE, LAB_PASSWORD, REGION, SENDER, AwsWorld

from mailcanary.config import clients as aws_clients
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint
from mailcanary.store import canary_table_definition, idempotency_table_definition


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsWorld]:
    """moto AWS with the real table schemas, a verified sender, an alert topic subscribed by a queue, a secret."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(**canary_table_definition(CANARY_TABLE))
        dynamodb.create_table(**idempotency_table_definition(IDEMPOTENCY_TABLE))
        boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name="mailcanary-alerts")["TopicArn"]
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="mailcanary-smtp", SecretString=json.dumps({"username": "mailcanary-lab", "password": LAB_PASSWORD})
        )["ARN"]
        yield AwsWorld(topic, queue_url, secret)


@pytest.fixture
def lab_smtp() -> Iterator[LabSmtpEndpoint]:
    from mailcanary.core.secret import Secret

    with LabSmtpEndpoint(password=Secret(LAB_PASSWORD)) as endpoint:
        yield endpoint


@pytest.fixture
def env(aws: AwsWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The function environment the template sets, pointing at moto's resources."""
    for name, value in {
        "MAILCANARY_SENDER": SENDER,
        "MAILCANARY_SES_REGION": REGION,
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
