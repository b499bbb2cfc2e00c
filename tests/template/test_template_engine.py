"""template.yaml proven on a CloudFormation engine: translated by the SAM translator (from the SAM CLI's own
virtualenv), linted by cfn-lint, and created as a stack on moto's CloudFormation; then the wiring that matters is
read back from the services: the schedules target the functions, Lambda may be invoked by EventBridge and SNS,
the SES-events subscription exists with its redrive policy, every function's environment names resources that
exist and parses into the settings model, and the dead-letter queue is attached."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfn_engine import BY_API, NOT_CREATED, REGION, Deployment, deployed

from mailcanary.config.settings import ENV_PREFIX, Settings

pytestmark = pytest.mark.template
ROOT = Path(__file__).resolve().parents[2]
STACK = "mailcanary-engine"


@pytest.fixture(scope="module")
def engine(translated: dict[str, Any]) -> Iterator[tuple[Deployment, Any]]:
    """The translated template created as a stack on moto with its defaults (no receiver)."""
    with deployed(translated, STACK, {}) as stack:
        yield stack


def _function(engine: tuple[Deployment, Any], logical: str) -> dict[str, Any]:
    deployment, client = engine
    return dict(client("lambda").get_function(FunctionName=deployment.physical[logical])["Configuration"])


def test_given_the_translated_template_when_cfn_lint_runs_then_no_findings(translated: dict[str, Any]) -> None:
    from cfnlint.api import ManualArgs, lint

    # Then no finding, including W3037 (an IAM action that does not exist, such as dynamodb:TransactWriteItems)
    matches = lint(json.dumps(translated), config=ManualArgs(regions=[REGION]))
    assert [f"{m.rule.id} {m.message}" for m in matches] == []


def test_given_the_translated_template_when_its_types_are_listed_then_each_is_created_or_explained(
    translated: dict[str, Any],
) -> None:
    from moto.cloudformation.parsing import get_model_map

    kinds = {body["Type"] for body in translated["Resources"].values()}
    # Then every type is created by moto's CloudFormation, made by its API, or listed with the reason it is not
    assert kinds <= set(get_model_map()) | set(BY_API) | set(NOT_CREATED)
    assert set(BY_API) | set(NOT_CREATED) <= kinds  # no stale entry either
    assert not set(get_model_map()) & (set(BY_API) | set(NOT_CREATED))


def test_given_the_stack_when_created_then_each_schedule_targets_its_function_with_permission(
    engine: tuple[Deployment, Any],
) -> None:
    deployment, client = engine
    events = client("events")
    for rule_logical, function_logical in (
        ("CanaryFunctionSchedule", "CanaryFunction"),
        ("SweeperFunctionSchedule", "SweeperFunction"),
    ):
        rule = events.describe_rule(Name=deployment.physical[rule_logical])
        assert rule["ScheduleExpression"] == "rate(5 minutes)"
        function = _function(engine, function_logical)
        (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        # Then the rule targets the function, and the function lets EventBridge invoke it from that rule
        assert target["Arn"] == function["FunctionArn"]
        policy = json.loads(client("lambda").get_policy(FunctionName=function["FunctionName"])["Policy"])
        assert any(
            statement["Principal"] == {"Service": "events.amazonaws.com"}
            and statement["Condition"]["ArnLike"]["AWS:SourceArn"] == rule["Arn"]
            for statement in policy["Statement"]
        ), policy


def test_given_the_stack_when_created_then_ses_events_reach_their_function_and_failures_the_queue(
    engine: tuple[Deployment, Any], translated: dict[str, Any]
) -> None:
    deployment, client = engine
    topic = deployment.physical["SesEventTopic"]
    function = _function(engine, "SesEventsFunction")
    queue_url = deployment.physical["SesEventsDeadLetterQueue"]
    queue_arn = client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    # Then the topic has the function's subscription, redriving what SNS cannot deliver to the queue
    (subscription,) = client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("lambda", function["FunctionArn"])
    attributes = client("sns").get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])
    assert json.loads(attributes["Attributes"]["RedrivePolicy"]) == {"deadLetterTargetArn": queue_arn}
    # And SNS may invoke the function for that topic
    policy = json.loads(client("lambda").get_policy(FunctionName=function["FunctionName"])["Policy"])
    assert any(
        statement["Principal"] == {"Service": "sns.amazonaws.com"}
        and statement["Condition"]["ArnLike"]["AWS:SourceArn"] == topic
        for statement in policy["Statement"]
    ), policy
    # And the function's own failures go to the same queue (moto's Lambda keeps no dead-letter configuration:
    # the template's, resolved against the created stack), which SNS may write to
    properties = translated["Resources"]["SesEventsFunction"]["Properties"]
    assert deployment.resolve(properties["DeadLetterConfig"]) == {"TargetArn": queue_arn}
    queue_policy = json.loads(
        client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    )
    assert queue_policy["Statement"][0]["Condition"] == {"ArnEquals": {"aws:SourceArn": topic}}
    # And the configuration set publishes to the topic
    name = deployment.physical["ConfigurationSet"]
    described = client("ses").describe_configuration_set(
        ConfigurationSetName=name, ConfigurationSetAttributeNames=["eventDestinations"]
    )
    assert described["EventDestinations"][0]["SNSDestination"]["TopicARN"] == topic
    assert len(name) <= 64


@pytest.mark.parametrize("logical", ["CanaryFunction", "SesEventsFunction", "SweeperFunction"])
def test_given_each_function_when_created_then_its_environment_names_real_resources_and_parses(
    engine: tuple[Deployment, Any], logical: str
) -> None:
    _, client = engine
    function = _function(engine, logical)
    variables = function["Environment"]["Variables"]
    # Then every resource the environment names exists
    client("dynamodb").describe_table(TableName=variables["MAILCANARY_TABLE_NAME"])
    client("dynamodb").describe_table(TableName=variables["MAILCANARY_IDEMPOTENCY_TABLE_NAME"])
    client("sns").get_topic_attributes(TopicArn=variables["MAILCANARY_ALERT_TOPIC_ARN"])
    client("secretsmanager").describe_secret(SecretId=variables["MAILCANARY_SMTP_SECRET_ARN"])
    client("ses").describe_configuration_set(ConfigurationSetName=variables["MAILCANARY_CONFIGURATION_SET"])
    client("s3").head_bucket(Bucket=variables["MAILCANARY_ARTIFACT_BUCKET"])
    # And the settings model accepts the environment as deployed
    settings = Settings.from_environ({k: v for k, v in variables.items() if k.startswith(ENV_PREFIX)})
    assert settings.events_region == REGION
    assert settings.lost_after_seconds == 900
    # And the function runs on the stack's layer version (moto names layers itself: LayerName is asserted on
    # the template in test_template_first_hour.py)
    (layer,) = function["Layers"]
    layer_name = layer["Arn"].split(":")[6]
    versions = client("lambda").list_layer_versions(LayerName=layer_name)["LayerVersions"]
    assert layer["Arn"] in {version["LayerVersionArn"] for version in versions}


def test_given_the_canary_function_when_created_then_a_failed_round_is_not_retried(
    engine: tuple[Deployment, Any],
) -> None:
    deployment, client = engine
    config = client("lambda").get_function_event_invoke_config(
        FunctionName=deployment.physical["CanaryFunction"], Qualifier="$LATEST"
    )
    assert config["MaximumRetryAttempts"] == 0


def test_given_the_stack_when_created_then_its_alarms_and_outputs_resolve(engine: tuple[Deployment, Any]) -> None:
    deployment, client = engine
    alarms = [logical for logical, kind in deployment.by_api.items() if kind == "AWS::CloudWatch::Alarm"]
    names = [deployment.physical[logical] for logical in alarms]
    described = client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]
    assert sorted(alarm["AlarmName"] for alarm in described) == sorted(names)
    heartbeat = next(alarm for alarm in described if alarm["AlarmName"].endswith("-HeartbeatAlarm"))
    assert heartbeat["Period"] == 300
    # Then every output has a value, naming what was created
    assert all(deployment.outputs.values()), deployment.outputs
    assert deployment.outputs["ConfigurationSetName"] == deployment.physical["ConfigurationSet"]
    assert deployment.outputs["SmtpSecretArn"] == deployment.physical["SmtpSecret"]


def test_given_no_receiving_domain_when_created_then_no_arrival_resource_exists(engine: tuple[Deployment, Any]) -> None:
    deployment, client = engine
    assert not {"ArrivalFunction", "InboundBucket", "ArrivalTopic", "ReceiptRuleSet"} & set(deployment.physical)
    assert client("ses").list_receipt_rule_sets()["RuleSets"] == []


def test_given_the_stack_when_created_then_the_artifact_bucket_is_an_output_and_refuses_plain_http(
    engine: tuple[Deployment, Any],
) -> None:
    deployment, client = engine
    bucket = deployment.outputs["ArtifactBucketName"]
    assert bucket == deployment.physical["ArtifactBucket"]
    # (moto's CloudFormation drops the bucket's LifecycleConfiguration: the retention rule is asserted on the
    # template, test_template_artifacts.py)
    # Then its policy (put by API: moto's CloudFormation has no bucket policy) denies calls without TLS
    policy = json.loads(client("s3").get_bucket_policy(Bucket=bucket)["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
