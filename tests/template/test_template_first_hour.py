"""What a stack does in its first hour, and which parameter values the deploy itself refuses: a scheduled round is
not retried, the heartbeat does not page before canaries were sent, names fit whatever the stack is called, no
IAM action that does not exist, and heartbeat periods CloudWatch accepts and that cover the schedule."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mailcanary.config.settings import Settings

pytestmark = pytest.mark.template

LONGEST_STACK_NAME = "s" * 128  # CloudFormation's limit
RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours)\)")


def _sub_length(value: Any, stack_name: str) -> int:
    """Length of a `!Sub` name whose only variable is AWS::StackName."""
    return len(value["Fn::Sub"].replace("${AWS::StackName}", stack_name))


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)


def _rule_allows(rule: dict[str, Any], values: dict[str, str]) -> bool:
    """Evaluate a template rule for parameter values (the intrinsics the template's rules use)."""

    def ev(node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((name, args),) = node.items()
            if name == "Ref":
                return values[args]
            if name == "Fn::Equals":
                return str(ev(args[0])) == str(ev(args[1]))
            if name == "Fn::Not":
                return not ev(args[0])
            if name == "Fn::Contains":
                return str(ev(args[1])) in [str(each) for each in ev(args[0])]
            raise AssertionError(f"unexpected intrinsic in a rule: {name}")
        return node

    if "RuleCondition" in rule and not ev(rule["RuleCondition"]):
        return True
    return all(ev(assertion["Assert"]) for assertion in rule["Assertions"])


def test_given_the_canary_function_when_read_then_a_failed_scheduled_round_is_not_retried(
    template: dict[str, Any],
) -> None:
    # Given EventBridge invokes the canary asynchronously (Lambda retries twice by default)
    canary = template["Resources"]["CanaryFunction"]["Properties"]
    # Then a failed round is never run again: a retry would send new mail under new canary ids
    assert canary["EventInvokeConfig"]["MaximumRetryAttempts"] == 0


def test_given_the_ses_events_function_when_read_then_it_keeps_its_retries_and_dead_letter_queue(
    template: dict[str, Any],
) -> None:
    ses_events = template["Resources"]["SesEventsFunction"]["Properties"]
    assert ses_events.get("EventInvokeConfig", {}).get("MaximumRetryAttempts", 2) > 0
    assert ses_events["DeadLetterQueue"]["TargetArn"] == {"Fn::GetAtt": ["SesEventsDeadLetterQueue", "Arn"]}


def test_given_every_policy_when_read_then_no_action_is_transact_write_items(template: dict[str, Any]) -> None:
    # Given IAM has no dynamodb:TransactWriteItems action (each item is authorised by PutItem, UpdateItem, ...)
    granted: set[str] = set()
    for node in _walk(template["Resources"]):
        if isinstance(node, dict) and "Action" in node and "Effect" in node:
            actions = node["Action"]
            granted |= set(actions if isinstance(actions, list) else [actions])
    # Then no policy grants it, and the per-item actions of the transactions the code runs are granted
    assert not {"dynamodb:TransactWriteItems", "dynamodb:TransactGetItems"} & granted
    assert {"dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} <= granted


def test_given_the_longest_stack_name_when_names_are_made_then_each_fits_its_service_limit(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    # Given the configuration set is named from the stack id's UUID, not from the stack name
    name = resources["ConfigurationSet"]["Properties"]["Name"]
    assert "AWS::StackName" not in repr(name)
    separator, (prefix, select) = name["Fn::Join"]
    stack_id = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{LONGEST_STACK_NAME}/{uuid.uuid4()}"
    index, split = select["Fn::Select"]
    split_on, _ = split["Fn::Split"]
    resolved = separator.join([prefix, stack_id.split(split_on)[index]])
    # Then it fits SES's 64 characters and its alphabet whatever the stack is called
    assert len(resolved) <= 64
    assert re.fullmatch(r"[A-Za-z0-9_-]+", resolved)
    # And the layer is named per stack (SAM's default, the logical id, is shared by every stack in the region)
    layer_name = resources["MailcanaryLayer"]["Properties"]["LayerName"]
    assert "${AWS::StackName}" in layer_name["Fn::Sub"]
    assert _sub_length(layer_name, LONGEST_STACK_NAME) <= 140


def test_given_the_heartbeat_period_when_read_then_only_periods_cloudwatch_accepts_are_allowed(
    template: dict[str, Any],
) -> None:
    parameter = template["Parameters"]["HeartbeatPeriodSeconds"]
    allowed = [int(value) for value in parameter["AllowedValues"]]
    # Then 90 (refused by CloudWatch) is not among them, and every period is a multiple of 60 whose two
    # evaluation periods fit in CloudWatch's one-day evaluation range
    assert 90 not in allowed
    assert all(value % 60 == 0 and 2 * value <= 86_400 for value in allowed)
    assert int(parameter["Default"]) in allowed


def _interval_seconds(expression: str) -> int:
    match = RATE.fullmatch(expression)
    assert match, expression
    return int(match.group(1)) * (3600 if match.group(2).startswith("hour") else 60)


def test_given_each_schedule_when_the_rules_run_then_only_heartbeat_periods_covering_it_deploy(
    template: dict[str, Any],
) -> None:
    schedules = template["Parameters"]["Schedule"]["AllowedValues"]
    periods = template["Parameters"]["HeartbeatPeriodSeconds"]["AllowedValues"]
    rules = template["Rules"].values()
    for schedule in schedules:
        for period in periods:
            values = {"Schedule": schedule, "HeartbeatPeriodSeconds": str(period)}
            deploys = all(_rule_allows(rule, values) for rule in rules)
            # Then a period shorter than the schedule's interval is refused at deploy time, and no other
            assert deploys == (int(period) >= _interval_seconds(schedule)), values


def test_given_the_rules_evaluator_when_a_rule_refuses_then_it_says_so() -> None:
    # Given a rule refusing 60 for rate(2 minutes), When evaluated for both, Then the evaluator is not vacuous
    rule = {
        "RuleCondition": {"Fn::Equals": [{"Ref": "Schedule"}, "rate(2 minutes)"]},
        "Assertions": [{"Assert": {"Fn::Not": [{"Fn::Contains": [["60"], {"Ref": "HeartbeatPeriodSeconds"}]}]}}],
    }
    assert not _rule_allows(rule, {"Schedule": "rate(2 minutes)", "HeartbeatPeriodSeconds": "60"})
    assert _rule_allows(rule, {"Schedule": "rate(2 minutes)", "HeartbeatPeriodSeconds": "120"})
    assert _rule_allows(rule, {"Schedule": "rate(5 minutes)", "HeartbeatPeriodSeconds": "60"})


def test_given_a_new_stack_when_the_composite_reads_the_heartbeat_then_it_waits_until_canaries_were_sent(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    armed = resources["HeartbeatArmedAlarm"]["Properties"]
    # Given an alarm that is INSUFFICIENT_DATA until canaries were sent in two periods, then keeps its state
    assert (armed["MetricName"], armed["TreatMissingData"], armed["DatapointsToAlarm"]) == ("CanarySent", "ignore", 2)
    assert armed["Period"] == resources["HeartbeatAlarm"]["Properties"]["Period"]
    # Then the composite counts the heartbeat (in ALARM from creation) only once that alarm is OK
    rule = " ".join(resources["CanaryHealthAlarm"]["Properties"]["AlarmRule"]["Fn::Join"][1][0]["Fn::Sub"].split())
    assert '(ALARM("${HeartbeatAlarm.Arn}") AND OK("${HeartbeatArmedAlarm.Arn}"))' in rule
    assert rule.count("HeartbeatAlarm.Arn") == 1


def test_given_lost_after_seconds_when_set_in_the_template_then_every_function_reads_it(
    template: dict[str, Any],
) -> None:
    parameter = template["Parameters"]["LostAfterSeconds"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["MAILCANARY_LOST_AFTER_SECONDS"] == {"Ref": "LostAfterSeconds"}
    # Then the template's bounds are values the settings model accepts, and so is its default
    for value in (parameter["MinValue"], parameter["MaxValue"], parameter["Default"]):
        assert Settings(lost_after_seconds=int(value)).lost_after_seconds == int(value)


def test_given_the_smtp_secret_when_generated_then_its_username_is_the_placeholder_the_round_recognises(
    template: dict[str, Any],
) -> None:
    from mailcanary.round.smtp_secret import PLACEHOLDER_USERNAME, is_placeholder

    generate = template["Resources"]["SmtpSecret"]["Properties"]["GenerateSecretString"]
    document = json.loads(generate["SecretStringTemplate"]) | {generate["GenerateStringKey"]: "generated"}
    assert document["username"] == PLACEHOLDER_USERNAME
    assert is_placeholder(document)


def test_given_the_doctor_when_it_reads_the_stack_then_the_template_has_what_it_reads(
    template: dict[str, Any],
) -> None:
    from mailcanary.doctor.events import REQUIRED_EVENT_TYPES

    # Given the outputs and parameters `mailcanary doctor` reads by name, Then the template declares each
    assert {"ConfigurationSetName", "SesEventTopicArn", "SmtpSecretArn", "CanaryFunctionName"} <= set(
        template["Outputs"]
    )
    wanted = {"SenderAddress", "SenderIdentity", "SesRegion", "SmtpTargets", "Recipients", "Schedule"}
    assert wanted <= set(template["Parameters"])
    # And the event destination publishes every event type the doctor requires
    destination = template["Resources"]["SesEventDestination"]["Properties"]["EventDestination"]
    assert set(destination["MatchingEventTypes"]) >= REQUIRED_EVENT_TYPES
    # And the alarm that arms the heartbeat has the logical id the doctor looks for
    from mailcanary.doctor import alarms

    assert alarms._ARMING in template["Resources"]


@pytest.mark.parametrize(
    ("parameter", "accepted", "refused"),
    [
        ("AlertEmail", ["", "ops@example.com"], ["ops", "ops@", "a b@example.com", "ops@example"]),
        (
            "SenderIdentity",
            ["", "example.com", "mail.example.co.uk", "canary@example.com"],
            ["example", "-x.com", "a@b"],
        ),
        ("SenderAddress", ["canary@example.com"], ["", "canary", "a@b@c"]),
        ("SesRegion", ["", "eu-west-1", "us-gov-west-1"], ["eu-west", "EU-WEST-1", "eu-west-1 "]),
        ("SweeperSchedule", ["rate(5 minutes)", "rate(1 hour)", "cron(0/5 * * * ? *)"], ["rate(0 minutes)", "5m"]),
    ],
)
def test_given_a_free_text_parameter_when_deployed_then_its_pattern_refuses_what_the_service_would(
    template: dict[str, Any], parameter: str, accepted: list[str], refused: list[str]
) -> None:
    # CloudFormation matches AllowedPattern against the whole value
    pattern = re.compile(template["Parameters"][parameter]["AllowedPattern"])
    assert [value for value in accepted if not pattern.fullmatch(value)] == []
    assert [value for value in refused if pattern.fullmatch(value)] == []
