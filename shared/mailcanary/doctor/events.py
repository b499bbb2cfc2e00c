"""SES events reach the reconciler: the configuration set exists with an enabled SNS destination to the stack's
topic for every event type the reconciler reads, and the topic's policy lets SES publish."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from mailcanary.core.aws_errors import aws_error_code
from mailcanary.doctor.model import ClientFactory, Finding, Stack, Status

__all__ = ["ACTIONS", "GROUP", "REQUIRED_EVENT_TYPES", "check", "ses_may_publish"]

GROUP = "ses.configuration_set"
ACTIONS = ("ses:DescribeConfigurationSet", "sns:GetTopicAttributes")
# Event types (SES v1 spelling) whose events decide a path; template.yaml's destination matches them (a test).
REQUIRED_EVENT_TYPES = frozenset(
    {"send", "delivery", "bounce", "complaint", "reject", "deliveryDelay", "renderingFailure"}
)


def check(stack: Stack, clients: ClientFactory, now: datetime) -> list[Finding]:
    return [_destination(stack, clients), _topic_policy(stack, clients)]


def _destination(stack: Stack, clients: ClientFactory) -> Finding:
    from botocore.exceptions import ClientError

    name, topic = stack.outputs.get("ConfigurationSetName", ""), stack.outputs.get("SesEventTopicArn", "")
    try:
        described = clients("ses", stack.region).describe_configuration_set(
            ConfigurationSetName=name, ConfigurationSetAttributeNames=["eventDestinations"]
        )
    except ClientError as exc:
        if aws_error_code(exc) != "ConfigurationSetDoesNotExist":
            raise
        return Finding(GROUP, Status.FAIL, f"no configuration set {name!r} in {stack.region}", "redeploy the stack")
    to_topic = [
        each
        for each in described.get("EventDestinations") or []
        if each and each.get("Enabled") and (each.get("SNSDestination") or {}).get("TopicARN") == topic
    ]
    covered = {kind for each in to_topic for kind in each.get("MatchingEventTypes", [])}
    missing = sorted(REQUIRED_EVENT_TYPES - covered)
    if not to_topic:
        evidence = f"{name}: no enabled SNS event destination to {topic}"
        return Finding(GROUP, Status.FAIL, evidence, "redeploy the stack (SesEventDestination); every canary goes lost")
    if missing:
        return Finding(
            GROUP,
            Status.FAIL,
            f"{name} publishes to {topic} but not {', '.join(missing)}",
            "add the missing event types to the destination (redeploy the stack)",
        )
    return Finding(GROUP, Status.PASS, f"{name} publishes {', '.join(sorted(covered))} to {topic}")


def _topic_policy(stack: Stack, clients: ClientFactory) -> Finding:
    topic = stack.outputs.get("SesEventTopicArn", "")
    attributes = clients("sns", stack.region).get_topic_attributes(TopicArn=topic)["Attributes"]
    document = json.loads(attributes.get("Policy") or "{}")
    account = topic.split(":")[4] if topic.count(":") >= 5 else ""
    configuration_set = (
        f"arn:aws:ses:{stack.region}:{account}:configuration-set/{stack.outputs.get('ConfigurationSetName', '')}"
    )
    if ses_may_publish(document, topic, account, configuration_set):
        return Finding("sns.topic_policy", Status.PASS, f"ses.amazonaws.com may publish to {topic}")
    return Finding(
        "sns.topic_policy",
        Status.FAIL,
        f"the policy of {topic} does not let ses.amazonaws.com publish for this account and configuration set",
        "redeploy the stack (SesEventTopicPolicy); SES drops events it cannot publish",
    )


def ses_may_publish(policy: dict[str, Any], topic: str, account: str, configuration_set: str) -> bool:
    """Whether an Allow statement lets the SES service principal sns:Publish to `topic`, with conditions (if any)
    on the source account and source ARN that this account's configuration set satisfies."""
    context = {"aws:sourceaccount": account, "aws:sourcearn": configuration_set}
    for statement in _listed(policy.get("Statement")):
        principal = statement.get("Principal") or {}
        services = _listed(principal.get("Service")) if isinstance(principal, dict) else []
        actions = {action.lower() for action in _listed(statement.get("Action"))}
        if (
            statement.get("Effect") == "Allow"
            and "ses.amazonaws.com" in services
            and actions & {"sns:publish", "sns:*", "*"}
            and any(fnmatch.fnmatchcase(topic, each) for each in _listed(statement.get("Resource")))
            and _conditions_hold(statement.get("Condition") or {}, context)
        ):
            return True
    return False


def _conditions_hold(conditions: dict[str, Any], context: dict[str, str]) -> bool:
    for operator, pairs in conditions.items():
        for key, wanted in pairs.items():
            actual = context.get(key.lower())
            if actual is None:
                return False  # a condition on a key SES does not send: the doctor cannot vouch for it
            values = _listed(wanted)
            if operator.removesuffix("IfExists") in {"StringLike", "ArnLike"}:
                matched = any(fnmatch.fnmatchcase(actual, value) for value in values)
            else:
                matched = actual in values
            if not matched:
                return False
    return True


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, Iterable) and not isinstance(value, (str, dict)) else [value]
