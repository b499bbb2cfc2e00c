"""What template.yaml must guarantee: code and handlers exist, the layer is attached, least privilege, and
every alarm and dashboard widget watches a metric the code really emits (observability.METRIC_CONTRACT)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailcanary.config.settings import ENV_PREFIX, TRACE_DISABLED_VARIABLE, Settings
from mailcanary.core.checks import Check
from mailcanary.report.observability import METRIC_CONTRACT, NAMESPACE, Dimension, MetricName

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ("CanaryFunction", "SesEventsFunction", "SweeperFunction", "ArrivalFunction")
EXPECTED_ALARMS = {
    "CanaryFailedAlarm",
    "SequenceViolationAlarm",
    "RecipientMismatchAlarm",
    "CanaryLostAlarm",
    "UnexpectedBounceAlarm",
    "HeartbeatAlarm",
    "HeartbeatArmedAlarm",
    "SesEventsDeadLetterAlarm",
    "NotArrivedAlarm",
    "AuthenticationFailedAlarm",
    "SpamPlacementAlarm",
    "CertificateExpiryAlarm",
}
# Alarms on a metric AWS publishes rather than ours, each pinned to the one metric and resource it may watch.
# Every other alarm must watch a metric of METRIC_CONTRACT: a new AWS-namespace alarm fails until it is added here.
AWS_METRIC_ALARMS: dict[str, tuple[str, str, dict[str, object]]] = {
    "SesEventsDeadLetterAlarm": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": {"Fn::GetAtt": ["SesEventsDeadLetterQueue", "QueueName"]}},
    ),
}


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template["Resources"].items() if body["Type"] == kind}


def walk(node: object) -> Iterator[object]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement in the template: SAM function policies, IAM users/roles, topic policies."""
    for name, body in template["Resources"].items():
        for node in walk(body.get("Properties", {})):
            if isinstance(node, dict) and "Statement" in node:
                for statement in node["Statement"]:
                    yield name, statement


@pytest.mark.parametrize("function", FUNCTIONS)
def test_given_each_function_when_its_code_is_read_then_the_handler_exists(
    template: dict[str, Any], function: str
) -> None:
    properties = template["Resources"][function]["Properties"]
    module_name, _, handler_name = properties["Handler"].rpartition(".")
    source = ROOT / properties["CodeUri"] / f"{module_name}.py"
    assert source.is_file(), source
    tree = ast.parse(source.read_text())
    # a module-level function, or one defined in the module's top-level `with paused_gc():` init block
    top_level = [*tree.body, *(node for block in tree.body if isinstance(block, ast.With) for node in block.body)]
    assert handler_name in {node.name for node in top_level if isinstance(node, ast.FunctionDef)}


def test_given_globals_when_read_then_python313_arm64_tracing_and_the_layer_for_every_function(
    template: dict[str, Any],
) -> None:
    function_globals = template["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Tracing"] == "Active"
    assert {"Ref": "MailcanaryLayer"} in function_globals["Layers"]
    for function in FUNCTIONS:  # a function-level Layers would replace the global one
        assert "Layers" not in template["Resources"][function]["Properties"], function
    layer = template["Resources"]["MailcanaryLayer"]
    assert layer["Properties"]["ContentUri"] == "shared/"
    assert layer["Metadata"]["BuildMethod"] == "python3.13"
    assert (ROOT / "shared" / "requirements.txt").is_file()


def test_given_the_function_environment_when_read_then_every_mailcanary_variable_is_a_settings_field(
    template: dict[str, Any],
) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    ours = {name.removeprefix(ENV_PREFIX).lower() for name in variables if name.startswith(ENV_PREFIX)}
    assert ours <= set(Settings.model_fields), ours - set(Settings.model_fields)
    assert {"table_name", "alert_topic_arn", "configuration_set", "smtp_secret_arn", "smtp_targets"} <= ours
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == NAMESPACE


def test_given_env_json_when_read_then_it_sets_only_variables_the_template_gives_every_function(
    template: dict[str, Any],
) -> None:
    # Given env.json, the --env-vars file for `sam local invoke` (its "Parameters" apply to every function)
    local = json.loads((ROOT / "env.json").read_text())["Parameters"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    # Then every variable it sets is one the template sets too, and it covers all of mailcanary's settings there
    assert set(local) <= set(variables), set(local) - set(variables)
    assert {name for name in variables if name.startswith(ENV_PREFIX)} <= set(local)
    Settings.from_environ(local)  # and the values are valid settings


def test_given_every_iam_statement_when_read_then_no_wildcard_action_or_resource(template: dict[str, Any]) -> None:
    # A key policy's Resource "*" means "this key" and is checked on its own below.
    found = [(owner, each) for owner, each in statements(template) if owner not in resources(template, "AWS::KMS::Key")]
    assert len(found) >= 8  # the function policies, the SMTP user and the SES topic policy are all inspected
    for owner, statement in found:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Deny":  # a wildcard in a Deny only takes access away (e.g. every s3 call
            continue  # without TLS): it is the grants that must be narrow
        assert all(isinstance(action, str) and "*" not in action for action in actions), (owner, actions)
        resource = statement.get("Resource")
        assert resource not in ("*", ["*"]), (owner, statement)


def test_given_ses_send_permissions_when_read_then_scoped_to_identity_and_configuration_set(
    template: dict[str, Any],
) -> None:
    send_statements = [
        statement for _, statement in statements(template) if "ses:SendRawEmail" in json.dumps(statement["Action"])
    ]
    assert len(send_statements) == 2  # the canary function (API path) and the SMTP user
    for statement in send_statements:
        arns = json.dumps(statement["Resource"])
        assert ":identity/${Identity}" in arns
        assert ":configuration-set/${ConfigurationSet}" in arns
        # leaked SMTP credentials (or a confused function) can only send as the canary sender
        assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "SenderAddress"}}}


def test_given_the_ses_event_topic_policy_when_read_then_only_this_accounts_configuration_set_may_publish(
    template: dict[str, Any],
) -> None:
    # Given the SES event topic's policy
    policy = template["Resources"]["SesEventTopicPolicy"]["Properties"]["PolicyDocument"]
    # When its one statement is read
    [statement] = policy["Statement"]
    # Then SES may publish only for this account and only for the stack's configuration set
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    configuration_set = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/"
    configuration_set += "${ConfigurationSet}"
    assert statement["Condition"]["ArnEquals"] == {"aws:SourceArn": {"Fn::Sub": configuration_set}}


def test_given_the_alert_topic_when_read_then_encrypted_with_a_key_alarms_and_functions_may_use(
    template: dict[str, Any],
) -> None:
    # Given the alert topic (its bodies carry transcript excerpts) and its key
    topic = template["Resources"]["AlertTopic"]["Properties"]
    key = template["Resources"]["AlertTopicKey"]
    # Then the topic is encrypted with the stack's customer-managed key
    assert key["Type"] == "AWS::KMS::Key"
    assert topic["KmsMasterKeyId"] == {"Ref": "AlertTopicKey"}
    by_sid = {statement["Sid"]: statement for statement in key["Properties"]["KeyPolicy"]["Statement"]}
    use = ["kms:Decrypt", "kms:GenerateDataKey*"]
    # And CloudWatch alarms may encrypt what they publish to it
    alarms = by_sid["CloudWatchAlarmsPublish"]
    assert (alarms["Effect"], alarms["Principal"], alarms["Action"]) == (
        "Allow",
        {"Service": "cloudwatch.amazonaws.com"},
        use,
    )
    # And the account's principals may use it only through SNS (the functions' policies grant them the key)
    via_sns = by_sid["FunctionsPublishThroughSns"]
    assert via_sns["Action"] == use
    assert via_sns["Condition"]["StringEquals"]["kms:ViaService"] == {"Fn::Sub": "sns.${AWS::Region}.amazonaws.com"}
    # And nothing else is granted to anyone outside the account
    principals = [json.dumps(statement["Principal"]) for statement in by_sid.values()]
    assert all("cloudwatch.amazonaws.com" in each or ":iam::${AWS::AccountId}:root" in each for each in principals)


def test_given_the_ses_event_destination_when_read_then_every_needed_event_type_goes_to_the_sns_topic(
    template: dict[str, Any],
) -> None:
    (destination,) = resources(template, "AWS::SES::ConfigurationSetEventDestination").values()
    event_destination = destination["Properties"]["EventDestination"]
    assert set(event_destination["MatchingEventTypes"]) == {
        "send",
        "delivery",
        "bounce",
        "complaint",
        "reject",
        "deliveryDelay",
        "renderingFailure",
    }
    assert event_destination["SnsDestination"]["TopicARN"] == {"Ref": "SesEventTopic"}
    subscription = template["Resources"]["SesEventsFunction"]["Properties"]["Events"]["SesEvents"]
    assert subscription["Type"] == "SNS"
    assert subscription["Properties"]["Topic"] == {"Ref": "SesEventTopic"}
    assert set(subscription["Properties"]) <= {"Topic", "RedrivePolicy"}  # no filter policy may drop events


def test_given_the_tables_when_read_then_the_schema_the_code_relies_on(template: dict[str, Any]) -> None:
    table = template["Resources"]["CanaryTable"]["Properties"]
    assert [key["AttributeName"] for key in table["KeySchema"]] == ["pk", "sk"]
    assert table["GlobalSecondaryIndexes"][0]["IndexName"] == "by-ses-message-id"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    idempotency = template["Resources"]["IdempotencyTable"]["Properties"]
    assert idempotency["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert idempotency["TimeToLiveSpecification"]["AttributeName"] == "expiration"


def alarm_metrics(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(namespace, metric name, dimensions) of every metric an alarm reads, plain or inside metric math."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        dims = {d["Name"]: d["Value"] for d in properties.get("Dimensions", [])}
        return [(properties["Namespace"], properties["MetricName"], dims)]
    found = []
    for query in properties["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            found.append((metric["Namespace"], metric["MetricName"], dims))
    return found


def assert_emitted(namespace: str, name: str, dimensions: dict[str, str]) -> None:
    assert namespace == NAMESPACE
    assert name in set(MetricName), f"{name} is not a metric the code emits"
    _, dimension_sets = METRIC_CONTRACT[MetricName(name)]
    assert tuple(dimensions) in dimension_sets, f"{name} is never emitted with dimensions {tuple(dimensions)}"
    if dimensions.get(Dimension.CHECK):  # alarms select a value; dashboard searches leave it open
        assert dimensions[Dimension.CHECK] in set(Check), dimensions


def assert_watches_a_known_metric(name: str, alarm: dict[str, Any]) -> None:
    """The alarm reads metrics the code emits, or exactly the one AWS metric AWS_METRIC_ALARMS allows it."""
    metrics = alarm_metrics(alarm)
    assert metrics, name
    if name in AWS_METRIC_ALARMS:
        assert metrics == [AWS_METRIC_ALARMS[name]], (name, metrics)
        return
    for namespace, metric_name, dimensions in metrics:
        assert_emitted(namespace, metric_name, dimensions)


def test_given_every_alarm_when_read_then_it_watches_a_metric_the_code_emits(template: dict[str, Any]) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert set(alarms) == EXPECTED_ALARMS
    for name, alarm in alarms.items():
        assert_watches_a_known_metric(name, alarm)


def _sqs_alarm(queue: str) -> dict[str, Any]:
    dimensions = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    return {
        "Properties": {
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": dimensions,
        }
    }


@pytest.mark.parametrize(
    ("name", "alarm"),
    [
        ("SomeOtherQueueAlarm", _sqs_alarm("SesEventsDeadLetterQueue")),  # an alarm not on the allow-list
        ("SesEventsDeadLetterAlarm", _sqs_alarm("SomeOtherQueue")),  # the allowed alarm, on another queue
        ("LambdaErrorsAlarm", {"Properties": {"Namespace": "AWS/Lambda", "MetricName": "Errors"}}),
    ],
)
def test_given_an_alarm_on_an_aws_metric_not_allowed_when_checked_then_the_check_fails(
    name: str, alarm: dict[str, Any]
) -> None:
    # Given an alarm on an AWS namespace that AWS_METRIC_ALARMS does not name with exactly this metric
    # When the alarm check reads it, Then it fails: AWS metrics are allowed one by one, never by namespace
    with pytest.raises(AssertionError):
        assert_watches_a_known_metric(name, alarm)


def test_given_the_heartbeat_alarm_when_read_then_two_missing_periods_breach(template: dict[str, Any]) -> None:
    heartbeat = template["Resources"]["HeartbeatAlarm"]["Properties"]
    assert (heartbeat["MetricName"], heartbeat["EvaluationPeriods"]) == ("CanarySent", 2)
    assert heartbeat["TreatMissingData"] == "breaching"
    assert heartbeat["ComparisonOperator"] == "LessThanThreshold"


def test_given_the_composite_alarm_when_read_then_it_combines_every_alarm_and_notifies(
    template: dict[str, Any],
) -> None:
    (composite,) = resources(template, "AWS::CloudWatch::CompositeAlarm").values()
    separator, (always, arrival) = composite["Properties"]["AlarmRule"]["Fn::Join"]
    condition, with_receiver, without = arrival["Fn::If"]
    assert (separator, condition, without) == ("", "HasReceiver", "")
    rule = always["Fn::Sub"] + with_receiver["Fn::Sub"]
    assert with_receiver["Fn::Sub"].startswith(" OR ")
    # The certificate alarm is a warning ahead of time, not canary health, and exists only when asked for.
    assert set(re.findall(r"\$\{(\w+)\.Arn\}", rule)) == EXPECTED_ALARMS - {"CertificateExpiryAlarm"}
    # the arrival alarms exist only with a receiver, and the rule names them only then
    arrival_alarms = set(re.findall(r"\$\{(\w+)\.Arn\}", with_receiver["Fn::Sub"]))
    assert {template["Resources"][name].get("Condition") for name in arrival_alarms} == {"HasReceiver"}
    assert composite["Properties"]["AlarmActions"] == [{"Ref": "AlertTopic"}]


def test_given_the_dashboard_when_its_body_is_rendered_then_it_is_json_and_every_search_is_an_emitted_metric(
    template: dict[str, Any],
) -> None:
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    rendered = json.loads(re.sub(r"\$\{[^}]+\}", "placeholder", body))
    titles = " | ".join(widget["properties"].get("title", "") for widget in rendered["widgets"])
    for wanted in (
        "Success rate per path",
        "SendLatency p50 / p99",
        "DeliveryLatency p50 / p99",
        "ArrivalLatency p50 / p99",
        "Bounces by type",
    ):
        assert wanted in titles
    assert "SES events not matched to a live canary" in titles
    searches = re.findall(r"SEARCH\('\{(?P<schema>[^}]+)\} MetricName=\\\"(?P<name>\w+)\\\"", body)
    assert len(searches) >= 8
    # Given the counters of SES events that match no live canary, Then the dashboard shows both
    assert {MetricName.UNMATCHED_SES_EVENT.value, MetricName.LATE_SES_EVENT.value} <= {name for _, name in searches}
    for schema, name in searches:
        namespace, *dimension_names = schema.split(",")
        assert_emitted(namespace, name, dict.fromkeys(dimension_names, ""))


def test_given_the_alert_topic_when_read_then_the_email_subscription_is_optional(template: dict[str, Any]) -> None:
    subscription = template["Resources"]["AlertEmailSubscription"]
    assert subscription["Condition"] == "HasAlertEmail"
    assert template["Conditions"]["HasAlertEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlertEmail"}, ""]}]}


def test_given_the_canary_schedule_when_read_then_it_is_a_parameter_defaulting_to_five_minutes(
    template: dict[str, Any],
) -> None:
    assert template["Parameters"]["Schedule"]["Default"] == "rate(5 minutes)"
    schedule = template["Resources"]["CanaryFunction"]["Properties"]["Events"]["Schedule"]
    assert schedule["Properties"]["Schedule"] == {"Ref": "Schedule"}


def test_given_the_alarms_when_counted_then_the_cost_model_bills_the_same_number_of_alarm_metrics(
    template: dict[str, Any],
) -> None:
    from mailcanary.cost.model import ALARM_METRICS

    # the arrival alarms exist only with a receiver (ReceivingDomain): the cost model's default has none
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    billed = [alarm for alarm in alarms.values() if alarm.get("Condition") != "HasReceiver"]
    assert sum(len(alarm_metrics(alarm)) for alarm in billed) == ALARM_METRICS


def test_given_x_ray_subsegments_when_read_then_off_by_default_and_passed_to_powertools(
    template: dict[str, Any],
) -> None:
    # Given the XRaySubsegments parameter, Then it defaults to off (no X-Ray SDK in the cold start)
    assert template["Parameters"]["XRaySubsegments"]["Default"] == "false"
    assert template["Conditions"]["HasXRaySubsegments"] == {"Fn::Equals": [{"Ref": "XRaySubsegments"}, "true"]}
    # And it reaches every function as the variable mailcanary.config.settings and Powertools both read
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables[TRACE_DISABLED_VARIABLE] == {"Fn::If": ["HasXRaySubsegments", "false", "true"]}


def test_given_the_function_environment_when_read_then_pydantic_plugins_are_disabled(template: dict[str, Any]) -> None:
    # Given the Globals every function gets (mailcanary installs and uses no pydantic plugin)
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    # Then pydantic is told to skip its entry-point scan for plugins, in a spelling it documents for "all"
    # (docs.pydantic.dev, Plugins: PYDANTIC_DISABLE_PLUGINS = "__all__", "1" or "true")
    assert variables["PYDANTIC_DISABLE_PLUGINS"] == "__all__"


def test_given_the_certificate_alarm_when_read_then_it_watches_the_soonest_expiry_and_is_optional(
    template: dict[str, Any],
) -> None:
    # Given the certificate-expiry alarm; Then it reads the rollup's Minimum (the soonest expiry across targets),
    # breaches below the parameter, treats missing data (no TLS target) as fine, and exists only when asked for
    alarm = template["Resources"]["CertificateExpiryAlarm"]
    properties = alarm["Properties"]
    assert properties["MetricName"] == "CertificateDaysLeft"
    assert "Dimensions" not in properties
    assert properties["Statistic"] == "Minimum"
    assert properties["ComparisonOperator"] == "LessThanThreshold"
    assert properties["Threshold"] == {"Ref": "CertificateDaysAlarm"}
    assert properties["TreatMissingData"] == "notBreaching"
    assert alarm["Condition"] == "HasCertificateDaysAlarm"
    assert properties["AlarmActions"] == [{"Ref": "AlertTopic"}]
