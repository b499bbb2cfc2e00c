"""Fixtures of the doctor tests; the world and its constants live in doctor_world.py."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from doctor_world import ACCOUNT, ALARMS, REGION, STACK, DoctorWorld
from moto import mock_aws


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[DoctorWorld]:
    """A healthy deployment: verified domain with DKIM, the configuration set publishing every event type to the
    topic, SES allowed to publish, credentials stored, alarms OK."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        ses = boto3.client("ses", region_name=REGION)
        ses.verify_domain_identity(Domain="example.com")
        ses.verify_domain_dkim(Domain="example.com")
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name="mailcanary-SesEventTopic")["TopicArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ses.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic,
                    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                }
            ],
        }
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
        ses.create_configuration_set(ConfigurationSet={"Name": "mailcanary-cs"})
        ses.create_configuration_set_event_destination(
            ConfigurationSetName="mailcanary-cs",
            EventDestination={
                "Name": "mailcanary-sns",
                "Enabled": True,
                "MatchingEventTypes": [
                    "send",
                    "delivery",
                    "bounce",
                    "complaint",
                    "reject",
                    "deliveryDelay",
                    "renderingFailure",
                ],
                "SNSDestination": {"TopicARN": topic},
            },
        )
        stored = {"username": "AKIAEXAMPLE", "password": "pw", "passwords_by_region": {REGION: "pw"}}
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="smtp", SecretString=json.dumps(stored)
        )["ARN"]
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        for alarm in ALARMS:
            cloudwatch.put_metric_alarm(
                AlarmName=f"{STACK}-{alarm}",
                Namespace="Mailcanary",
                MetricName="CanarySent",
                Statistic="Sum",
                Period=300,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="LessThanThreshold",
            )
            cloudwatch.set_alarm_state(AlarmName=f"{STACK}-{alarm}", StateValue="OK", StateReason="healthy")
        yield DoctorWorld(topic, secret)
