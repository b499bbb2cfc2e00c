"""SES events that cannot be processed are kept, not dropped: both of SNS's and Lambda's failure paths end in
one encrypted queue, only SNS and the SES-events function may write to it, and an alarm watches it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "SesEventsDeadLetterQueue"
QUEUE_ARN = {"Fn::GetAtt": [QUEUE, "Arn"]}
FOURTEEN_DAYS = 14 * 24 * 60 * 60


def test_given_the_dead_letter_queue_when_read_then_encrypted_and_kept_fourteen_days(template: dict[str, Any]) -> None:
    queue = template["Resources"][QUEUE]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == FOURTEEN_DAYS


def test_given_the_ses_events_function_when_read_then_lambda_and_sns_failures_both_go_to_the_queue(
    template: dict[str, Any],
) -> None:
    function = template["Resources"]["SesEventsFunction"]["Properties"]
    # Given Lambda's own dead-letter queue (failed asynchronous invocations, after the retries)
    assert function["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": QUEUE_ARN}
    # And the SNS subscription's redrive policy (messages SNS could not deliver to the function)
    subscription = function["Events"]["SesEvents"]["Properties"]
    assert subscription["RedrivePolicy"] == {"deadLetterTargetArn": QUEUE_ARN}


def test_given_the_queue_policy_when_read_then_only_the_ses_event_topic_may_send_to_it(
    template: dict[str, Any],
) -> None:
    policies = [
        body["Properties"]
        for body in template["Resources"].values()
        if body["Type"] == "AWS::SQS::QueuePolicy" and body["Properties"]["Queues"] == [{"Ref": QUEUE}]
    ]
    assert len(policies) == 1
    (statement,) = policies[0]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == QUEUE_ARN
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "SesEventTopic"}}}


def test_given_the_dead_letter_alarm_when_read_then_any_visible_message_alarms_and_notifies(
    template: dict[str, Any],
) -> None:
    alarm = template["Resources"]["SesEventsDeadLetterAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [QUEUE, "QueueName"]}}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"
    # notifies on its own too: the composite notifies only when its state changes
    assert alarm["AlarmActions"] == [{"Ref": "AlertTopic"}]
    composite = template["Resources"]["CanaryHealthAlarm"]["Properties"]["AlarmRule"]["Fn::Join"][1][0]["Fn::Sub"]
    assert 'ALARM("${SesEventsDeadLetterAlarm.Arn}")' in composite
    assert template["Outputs"]["SesEventsDeadLetterQueueUrl"]["Value"] == {"Ref": QUEUE}


_TRANSLATE = """
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

class NoManagedPolicies:
    def load(self):
        return {}

template = yaml_parse(open(sys.argv[1]).read())
for resource in template["Resources"].values():  # the translator wants S3 locations; sam build makes them
    if resource["Type"] == "AWS::Serverless::Function":
        resource["Properties"]["CodeUri"] = "s3://bucket/key"
    if resource["Type"] == "AWS::Serverless::LayerVersion":
        resource["Properties"]["ContentUri"] = "s3://bucket/key"
print(json.dumps(transform(template, {}, NoManagedPolicies())["Resources"]))
"""


def test_given_sam_translates_the_template_when_the_role_is_read_then_the_queue_grant_is_send_message_only(
    sam_binary: Path, sam_env: dict[str, str]
) -> None:
    # Given the template as SAM deploys it (the translator from the SAM CLI's own virtualenv)
    python = sam_binary.parent / "python"
    result = subprocess.run(
        [str(python), "-c", _TRANSLATE, str(ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        env=sam_env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    resources = json.loads(result.stdout)
    # When the SES-events function's role is read
    policies = resources["SesEventsFunctionRole"]["Properties"]["Policies"]
    on_queue = [
        statement
        for policy in policies
        for statement in policy["PolicyDocument"]["Statement"]
        if QUEUE in json.dumps(statement["Resource"])
    ]
    # Then the one statement on the queue is the one SAM adds for the DeadLetterQueue: sqs:SendMessage, nothing more
    assert on_queue == [{"Action": "sqs:SendMessage", "Resource": QUEUE_ARN, "Effect": "Allow"}]
    assert resources["SesEventsFunction"]["Properties"]["DeadLetterConfig"] == {"TargetArn": QUEUE_ARN}


@pytest.mark.parametrize("function", ["CanaryFunction", "SweeperFunction"])
def test_given_the_other_functions_when_read_then_they_have_no_access_to_the_queue(
    template: dict[str, Any], function: str
) -> None:
    assert QUEUE not in json.dumps(template["Resources"][function])
