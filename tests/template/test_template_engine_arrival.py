"""The SES inbound receiver deployed: template.yaml with a ReceivingDomain, translated and created on moto's
CloudFormation (its own module, so its moto does not overlap the default stack's), then read back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cfn_engine import REGION, Deployment, deployed

from mailcanary.config.settings import ENV_PREFIX, Settings

pytestmark = pytest.mark.template


@pytest.fixture(scope="module")
def engine_with_receiver(translated: dict[str, Any]) -> Iterator[tuple[Deployment, Any]]:
    """The same, deployed with a ReceivingDomain: the SES inbound receiver and its arrival function exist."""
    with deployed(translated, "mailcanary-arrival", {"ReceivingDomain": "inbound.example.org"}) as stack:
        yield stack


def _function(engine: tuple[Deployment, Any], logical: str) -> dict[str, Any]:
    deployment, client = engine
    return dict(client("lambda").get_function(FunctionName=deployment.physical[logical])["Configuration"])


def test_given_a_receiving_domain_when_created_then_the_rule_stores_and_notifies_and_the_function_hears_it(
    engine_with_receiver: tuple[Deployment, Any],
) -> None:
    deployment, client = engine_with_receiver
    bucket, topic = deployment.physical["InboundBucket"], deployment.physical["ArrivalTopic"]
    # Then the rule set holds the rule: store under inbound/ in the stack's bucket, then notify its topic
    described = client("ses").describe_receipt_rule(
        RuleSetName="mailcanary-arrival-arrival", RuleName="mailcanary-arrival"
    )
    (action,) = described["Rule"]["Actions"]
    assert action["S3Action"] == {"BucketName": bucket, "ObjectKeyPrefix": "inbound/", "TopicArn": topic}
    assert described["Rule"]["Recipients"] == ["inbound.example.org"]
    # And only SES, for this stack's rule, may write the bucket
    policy = json.loads(client("s3").get_bucket_policy(Bucket=bucket)["Policy"])
    (allow,) = [each for each in policy["Statement"] if each["Effect"] == "Allow"]
    rule_arn = (
        f"arn:aws:ses:{REGION}:123456789012:receipt-rule-set/mailcanary-arrival-arrival:receipt-rule/mailcanary-arrival"
    )
    assert allow["Condition"]["ArnEquals"] == {"aws:SourceArn": rule_arn}
    # And the arrival function is subscribed to the topic, may be invoked by it, and reads the receiving domain
    function = _function(engine_with_receiver, "ArrivalFunction")
    (subscription,) = client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("lambda", function["FunctionArn"])
    variables = function["Environment"]["Variables"]
    settings = Settings.from_environ({k: v for k, v in variables.items() if k.startswith(ENV_PREFIX)})
    assert settings.receiver_configured
    assert settings.receiving_domain == "inbound.example.org"
    # (moto's CloudFormation creates the bucket without its lifecycle rule and encryption: both are asserted on
    # the template, tests/template/test_template_arrival.py)
