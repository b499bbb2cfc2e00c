"""Whether a topic policy lets SES publish the stack's events: the statement shapes a template or an operator
writes, with and without the source-account and source-ARN conditions."""

from __future__ import annotations

from typing import Any

import pytest

from mailcanary.doctor.events import ses_may_publish
from mailcanary.doctor.model import schedule_seconds

pytestmark = pytest.mark.unit
TOPIC = "arn:aws:sns:us-east-1:123456789012:mailcanary-SesEventTopic-X"
ACCOUNT = "123456789012"
CONFIGURATION_SET = "arn:aws:ses:us-east-1:123456789012:configuration-set/mailcanary-cs"


def _policy(**statement: Any) -> dict[str, Any]:
    base = {
        "Effect": "Allow",
        "Principal": {"Service": "ses.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": TOPIC,
    }
    return {"Statement": [base | statement]}


@pytest.mark.parametrize(
    ("policy", "allowed"),
    [
        (_policy(), True),
        (_policy(Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}), True),
        (_policy(Condition={"StringEquals": {"aws:SourceAccount": "999999999999"}}), False),
        (
            _policy(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:ses:us-east-1:123456789012:configuration-set/*"}}),
            True,
        ),
        (_policy(Condition={"ArnEquals": {"aws:SourceArn": CONFIGURATION_SET}}), True),
        (_policy(Condition={"ArnEquals": {"aws:SourceArn": f"{CONFIGURATION_SET}-other"}}), False),
        (_policy(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}}), False),
        (_policy(Action=["SNS:Publish", "SNS:GetTopicAttributes"]), True),
        (_policy(Action="sns:Subscribe"), False),
        (_policy(Effect="Deny"), False),
        (_policy(Principal={"Service": "events.amazonaws.com"}), False),
        (_policy(Resource="arn:aws:sns:us-east-1:123456789012:other"), False),
        (_policy(Resource="*"), True),
        ({}, False),
    ],
)
def test_given_a_topic_policy_when_read_then_ses_may_publish_only_if_a_statement_allows_it(
    policy: dict[str, Any], allowed: bool
) -> None:
    assert ses_may_publish(policy, TOPIC, ACCOUNT, CONFIGURATION_SET) is allowed


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(2 days)", 172800),
        ("cron(0 * * * ? *)", None),
    ],
)
def test_given_a_schedule_when_read_then_its_interval(expression: str, seconds: int | None) -> None:
    assert schedule_seconds(expression) == seconds
