"""Proof of arrival in template.yaml: everything behind `ReceivingDomain` (empty = off), the bucket encrypted,
expiring and writable by this stack's receipt rule only, the rule storing then notifying, the arrival function
reading its prefix and nothing else, the arrival alarms, and the activation step CloudFormation cannot do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARRIVAL_RESOURCES = {
    "ArrivalFunction",
    "ArrivalLogGroup",
    "InboundBucket",
    "InboundBucketPolicy",
    "ArrivalTopic",
    "ArrivalTopicPolicy",
    "ReceiptRuleSet",
    "ReceiptRule",
}
ARRIVAL_ALARMS = {
    "NotArrivedAlarm": "delivery.arrived",
    "AuthenticationFailedAlarm": "delivery.authentication",
    "SpamPlacementAlarm": "delivery.placement",
}
RULE_ARN = (
    "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:receipt-rule-set/${AWS::StackName}-arrival"
    ":receipt-rule/mailcanary-arrival"
)


def test_given_no_receiving_domain_when_deployed_then_every_arrival_resource_is_left_out(
    template: dict[str, Any],
) -> None:
    # Given the parameter's default; Then it is empty and every arrival resource depends on it
    assert template["Parameters"]["ReceivingDomain"]["Default"] == ""
    assert template["Conditions"]["HasReceivingDomain"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReceivingDomain"}, ""]}]
    }
    for name in ARRIVAL_RESOURCES:
        assert template["Resources"][name]["Condition"] == "HasReceivingDomain", name
    for name in ARRIVAL_ALARMS:
        assert template["Resources"][name]["Condition"] == "HasReceiver", name
    for name in ("ArrivalFunctionName", "ReceiptRuleSetName", "InboundBucketName"):
        assert template["Outputs"][name]["Condition"] == "HasReceivingDomain"


def test_given_the_inbound_bucket_when_read_then_encrypted_private_and_expiring(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["InboundBucket"]["Properties"]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    (lifecycle,) = bucket["LifecycleConfiguration"]["Rules"]
    assert (lifecycle["Status"], lifecycle["Prefix"]) == ("Enabled", "inbound/")
    assert 1 <= lifecycle["ExpirationInDays"] <= 30


def test_given_the_bucket_policy_when_read_then_only_this_stacks_receipt_rule_may_write_its_prefix(
    template: dict[str, Any],
) -> None:
    statements = template["Resources"]["InboundBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (allow,) = [each for each in statements if each["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "ses.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == {"Fn::Sub": "${InboundBucket.Arn}/inbound/*"}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert allow["Condition"]["ArnEquals"] == {"aws:SourceArn": {"Fn::Sub": RULE_ARN}}
    # And the SNS topic takes notifications from the same rule only
    (topic,) = template["Resources"]["ArrivalTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert topic["Condition"]["ArnEquals"] == {"aws:SourceArn": {"Fn::Sub": RULE_ARN}}
    assert topic["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_given_the_receipt_rule_when_read_then_it_is_the_one_the_policies_name_and_stores_then_notifies(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    assert resources["ReceiptRuleSet"]["Properties"]["RuleSetName"] == {"Fn::Sub": "${AWS::StackName}-arrival"}
    rule = resources["ReceiptRule"]["Properties"]
    assert rule["RuleSetName"] == {"Ref": "ReceiptRuleSet"}
    assert rule["Rule"]["Name"] == "mailcanary-arrival"
    assert (rule["Rule"]["Enabled"], rule["Rule"]["ScanEnabled"]) == (True, True)  # spam and virus verdicts
    assert rule["Rule"]["Recipients"] == [{"Ref": "ReceivingDomain"}]
    (action,) = rule["Rule"]["Actions"]
    assert action["S3Action"] == {
        "BucketName": {"Ref": "InboundBucket"},
        "ObjectKeyPrefix": "inbound/",
        "TopicArn": {"Ref": "ArrivalTopic"},
    }
    # SES checks its permissions when the rule is created: the policies come first
    assert set(resources["ReceiptRule"]["DependsOn"]) == {"InboundBucketPolicy", "ArrivalTopicPolicy"}


def test_given_the_arrival_function_when_read_then_it_reads_its_prefix_only_and_hears_the_arrival_topic(
    template: dict[str, Any],
) -> None:
    function = template["Resources"]["ArrivalFunction"]["Properties"]
    assert function["CodeUri"] == "functions/arrival/"
    assert function["Events"]["Received"] == {"Type": "SNS", "Properties": {"Topic": {"Ref": "ArrivalTopic"}}}
    statements = [each for policy in function["Policies"] for each in policy["Statement"]]
    s3 = [each for each in statements if any(str(action).startswith("s3:") for action in _actions(each))]
    assert s3 == [next(each for each in statements if each["Sid"] == "ReadArrivedCanaries")]
    assert _actions(s3[0]) == ["s3:GetObject"]
    assert s3[0]["Resource"] == {"Fn::Sub": "${InboundBucket.Arn}/inbound/*"}
    for statement in statements:
        assert all("*" not in action for action in _actions(statement)), statement


def test_given_the_arrival_alarms_when_read_then_each_watches_its_delivery_check(template: dict[str, Any]) -> None:
    for name, check in ARRIVAL_ALARMS.items():
        alarm = template["Resources"][name]["Properties"]
        assert (alarm["MetricName"], alarm["Dimensions"]) == ("CheckFailed", [{"Name": "Check", "Value": check}])
        assert alarm["TreatMissingData"] == "notBreaching"


def test_given_a_receipt_rule_set_when_deployed_then_the_activation_command_ships_and_is_documented(
    template: dict[str, Any],
) -> None:
    # Given CloudFormation cannot activate a receipt rule set; Then the script does, and README and the parameter say so
    script = ROOT / "scripts" / "activate-receipt-rule-set.sh"
    text = script.read_text()
    assert "ses set-active-receipt-rule-set" in text
    assert "ReceiptRuleSetName" in text
    readme = (ROOT / "README.md").read_text()
    assert "scripts/activate-receipt-rule-set.sh" in readme
    assert re.search(r"CloudFormation cannot activate", readme)
    assert "activate-receipt-rule-set.sh" in template["Parameters"]["ReceivingDomain"]["Description"]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [str(each) for each in (actions if isinstance(actions, list) else [actions])]
