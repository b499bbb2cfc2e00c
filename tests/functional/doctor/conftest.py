"""Fixtures of the doctor tests; the world and its constants live in doctor_world.py."""

from __future__ import annotations

import json

import pytest
from doctor_world import ACCOUNT, ALARMS, STACK, DoctorWorld

from mailcanary.doctor.events import REQUIRED_EVENT_TYPES
from tests.support.aws_world import AwsWorld


@pytest.fixture
def world(aws: AwsWorld) -> DoctorWorld:
    """A healthy deployment on the shared moto world: verified domain with DKIM, the configuration set publishing
    every event type to the topic, SES allowed to publish, credentials stored, alarms OK."""
    ses = aws.client("ses")
    ses.verify_domain_identity(Domain="example.com")
    ses.verify_domain_dkim(Domain="example.com")
    sns = aws.client("sns")
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
            "MatchingEventTypes": sorted(REQUIRED_EVENT_TYPES),  # what the doctor requires
            "SNSDestination": {"TopicARN": topic},
        },
    )
    stored = {"username": "AKIAEXAMPLE", "password": "pw", "passwords_by_region": {"us-east-1": "pw"}}
    secret = aws.client("secretsmanager").create_secret(Name="smtp", SecretString=json.dumps(stored))["ARN"]
    cloudwatch = aws.client("cloudwatch")
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
    return DoctorWorld(aws, topic, secret)
