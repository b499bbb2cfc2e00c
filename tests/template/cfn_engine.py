"""Deploy the SAM-translated template.yaml on moto's CloudFormation, the way a stack would be created.

moto's CloudFormation creates some resource types and not others. Every type the translated template holds is
in exactly one of three lists, so nothing is skipped silently:
- `moto.cloudformation.parsing.get_model_map()`: moto's CloudFormation creates it, with the stack;
- `BY_API`: moto's CloudFormation cannot, so it is made by the service's own API on the same moto, from the
  template's properties resolved against the created stack (CloudFormation's physical names and ARNs);
- `NOT_CREATED`: moto implements neither, and the reason says where the resource is checked instead.
moto's CloudFormation also drops properties of AWS::Lambda::Function: `Layers` is resolved the same way and
applied with UpdateFunctionConfiguration, so reading it back proves the layer exists; moto's Lambda has no
dead-letter configuration at all, so `DeadLetterConfig` is resolved against the created stack
(`Deployment.resolve`) and the test checks it names the queue. Its AWS::Lambda::LayerVersion ignores LayerName
(moto names the layer after the stack and the logical id) and has no physical id: its `Ref`, the layer version
ARN, is read from ListLayers.
References to a resource not created by the stack are replaced, before the stack is created, by the values
CloudFormation would give (`Ref` -> name or ARN, `Fn::GetAtt [..., Arn]` -> ARN).
"""

from __future__ import annotations

import io
import json
import os
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"
BY_API: dict[str, str] = {
    "AWS::SecretsManager::Secret": "no Secrets Manager type in moto's CloudFormation: CreateSecret",
    "AWS::SES::ConfigurationSet": "no SES types in moto's CloudFormation: CreateConfigurationSet",
    "AWS::SES::ConfigurationSetEventDestination": "no SES types: CreateConfigurationSetEventDestination",
    "AWS::SNS::Subscription": "not in moto's CloudFormation: Subscribe, with the RedrivePolicy attribute",
    "AWS::SNS::TopicPolicy": "not in moto's CloudFormation: SetTopicAttributes Policy",
    "AWS::SQS::QueuePolicy": "not in moto's CloudFormation: SetQueueAttributes Policy",
    "AWS::S3::BucketPolicy": "not in moto's CloudFormation: PutBucketPolicy",
    "AWS::Lambda::EventInvokeConfig": "not in moto's CloudFormation: PutFunctionEventInvokeConfig",
    "AWS::CloudWatch::Alarm": "not in moto's CloudFormation: PutMetricAlarm",
    "AWS::SES::ReceiptRuleSet": "no SES types in moto's CloudFormation: CreateReceiptRuleSet",
    "AWS::SES::ReceiptRule": "no SES types in moto's CloudFormation: CreateReceiptRule",
}
NOT_CREATED: dict[str, str] = {
    "AWS::CloudWatch::CompositeAlarm": (
        "moto implements neither its CloudFormation type nor PutCompositeAlarm; its rule and actions are "
        "asserted on the template (test_template.py, test_template_first_hour.py)"
    ),
}
LAMBDA_PROPERTIES_DROPPED = ("Layers",)
_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z]+))?\}")


@dataclass
class Deployment:
    """What was created: the stack's outputs and resources, and the names of what was made by API."""

    stack_name: str
    outputs: dict[str, str]
    physical: dict[str, str]  # logical id -> physical id, stack-created and API-made alike
    by_api: dict[str, str] = field(default_factory=dict)  # logical id -> its type, made by API calls
    resolve: Callable[[Any], Any] = lambda node: node  # the template's intrinsics, against the created stack


def resolver(
    parameters: dict[str, str],
    refs: dict[str, str],
    attribute: Callable[[str, str], str],
    conditions: dict[str, bool],
    stack_id: str,
    stack_name: str,
) -> Callable[[Any], Any]:
    """Resolve the intrinsics the translated template uses, as CloudFormation would."""
    pseudo = {
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::Partition": "aws",
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::URLSuffix": "amazonaws.com",
    }

    def ref(name: str) -> str:
        if name in pseudo:
            return pseudo[name]
        return parameters[name] if name in parameters else refs[name]

    def sub(text: str, variables: dict[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            name, att = match.group(1, 2)
            if att is None and name in variables:
                return str(resolve(variables[name]))
            return attribute(name, att) if att else ref(name)

        return re.sub(r"\$\{(AWS::[A-Za-z]+)\}", lambda m: pseudo[m.group(1)], _SUB_VARIABLE.sub(one, text))

    def resolve(node: Any) -> Any:
        if isinstance(node, list):
            return [resolve(each) for each in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                return ref(value)
            if key == "Fn::GetAtt":
                return attribute(*(value.split(".", 1) if isinstance(value, str) else value))
            if key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                return sub(text, variables)
            if key == "Fn::Join":
                return value[0].join(str(each) for each in resolve(value[1]))
            if key == "Fn::Select":
                return resolve(value[1])[int(value[0])]
            if key == "Fn::Split":
                return str(resolve(value[1])).split(value[0])
            if key == "Fn::If":
                return resolve(value[1] if conditions[value[0]] else value[2])
        return {key: resolve(value) for key, value in node.items()}

    return resolve


def substitute(node: Any, values: dict[str, str], arns: dict[str, str]) -> Any:
    """Replace references to resources outside the stack by CloudFormation's values for them."""
    if isinstance(node, list):
        return [substitute(each, values, arns) for each in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in values:
        return values[node["Ref"]]
    if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in arns:
        return arns[node["Fn::GetAtt"][0]]
    if set(node) == {"Fn::Sub"}:
        value = node["Fn::Sub"]
        text, variables = (value, None) if isinstance(value, str) else value

        def one(match: re.Match[str]) -> str:
            name, att = match.group(1, 2)
            if att == "Arn" and name in arns:
                return arns[name]
            if att is None and name in values and not (variables and name in variables):
                return values[name]
            return match.group(0)

        text = _SUB_VARIABLE.sub(one, text)
        return {"Fn::Sub": text if variables is None else [text, substitute(variables, values, arns)]}
    return {key: substitute(value, values, arns) for key, value in node.items()}


def planned_stack_id(stack_name: str) -> str:
    return f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{stack_name}/{uuid.uuid4()}"


def alarm_arn(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def parameter_defaults(template: dict[str, Any]) -> dict[str, str]:
    return {name: str(body.get("Default", "")) for name, body in template.get("Parameters", {}).items()}


def evaluate_conditions(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, bool]:
    """The template's conditions (Fn::Equals / Fn::Not / Fn::And / Fn::Or over parameters) for these values."""

    def value(node: Any) -> Any:
        if isinstance(node, dict) and "Ref" in node:
            return parameters[node["Ref"]]
        if isinstance(node, dict) and "Fn::Equals" in node:
            left, right = node["Fn::Equals"]
            return str(value(left)) == str(value(right))
        if isinstance(node, dict) and "Fn::Not" in node:
            return not value(node["Fn::Not"][0])
        if isinstance(node, dict) and "Fn::And" in node:
            return all(value(each) for each in node["Fn::And"])
        if isinstance(node, dict) and "Fn::Or" in node:
            return any(value(each) for each in node["Fn::Or"])
        return node

    return {name: bool(value(body)) for name, body in template.get("Conditions", {}).items()}


def policy_json(document: Any) -> str:
    return json.dumps(document)


def deploy(
    translated: dict[str, Any],
    stack_name: str,
    client: Callable[[str], Any],
    parameters: dict[str, str] | None = None,
) -> Deployment:
    """Create the translated template as stack `stack_name` on moto (see the module docstring), with its
    parameters' defaults changed by `parameters`. A resource whose condition is false is not created, by the
    stack (moto's CloudFormation evaluates it) or by API (left out here)."""
    from moto.cloudformation.parsing import get_model_map

    resources: dict[str, dict[str, Any]] = translated["Resources"]
    parameters = parameter_defaults(translated) | (parameters or {})
    conditions = evaluate_conditions(translated, parameters)
    stack_id = planned_stack_id(stack_name)
    creatable = set(get_model_map())
    # What CloudFormation would not create (its Condition false) is left out of what these tests create by API.
    outside = {
        logical: body
        for logical, body in resources.items()
        if body["Type"] not in creatable and conditions.get(body.get("Condition", ""), True)
    }
    unknown = {body["Type"] for body in outside.values()} - set(BY_API) - set(NOT_CREATED)
    assert not unknown, f"resource types neither moto nor these tests create: {sorted(unknown)}"
    outside = {logical: body for logical, body in outside.items() if conditions.get(body.get("Condition", ""), True)}

    # Before the stack: what its resources refer to (the secret, the configuration set) and the alarms' names.
    resolve_static = resolver(parameters, {}, _no_attribute, conditions, stack_id, stack_name)
    values: dict[str, str] = {}
    arns: dict[str, str] = {}
    for logical, body in outside.items():
        if body["Type"] == "AWS::SecretsManager::Secret":
            generate = body["Properties"]["GenerateSecretString"]
            document = json.loads(generate["SecretStringTemplate"]) | {generate["GenerateStringKey"]: "generated"}
            created = client("secretsmanager").create_secret(
                Name=f"{stack_name}-{logical}", SecretString=json.dumps(document)
            )
            values[logical] = arns[logical] = created["ARN"]
        elif body["Type"] == "AWS::SES::ConfigurationSet":
            name = resolve_static(body["Properties"]["Name"])
            client("ses").create_configuration_set(ConfigurationSet={"Name": name})
            values[logical] = name
        elif body["Type"] == "AWS::SES::ReceiptRuleSet":
            values[logical] = resolve_static(body["Properties"]["RuleSetName"])
        elif body["Type"] in {"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"}:
            values[logical] = f"{stack_name}-{logical}"
            arns[logical] = alarm_arn(values[logical])

    stack_template = dict(translated)
    stack_template["Resources"] = {
        logical: substitute(_without_depends_on(body, outside), values, arns)
        for logical, body in resources.items()
        if logical not in outside
    }
    stack_template["Outputs"] = substitute(translated.get("Outputs", {}), values, arns)
    cloudformation = client("cloudformation")
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(stack_template),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        Parameters=[
            {"ParameterKey": key, "ParameterValue": value}
            for key, value in parameters.items()
            if key in translated.get("Parameters", {})
        ],
    )
    (described,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    assert described["StackStatus"] == "CREATE_COMPLETE", described.get("StackStatusReason")
    physical = {
        each["LogicalResourceId"]: each["PhysicalResourceId"]
        for each in cloudformation.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    }
    layers = client("lambda").list_layers()["Layers"]
    for logical, body in resources.items():
        if body["Type"] == "AWS::Lambda::LayerVersion":
            (layer,) = [each for each in layers if each["LayerName"].startswith(f"{stack_name}-{logical}")]
            physical[logical] = layer["LatestMatchingVersion"]["LayerVersionArn"]

    def attribute(logical: str, name: str) -> str:
        if logical in arns and name == "Arn":
            return arns[logical]
        kind = resources[logical]["Type"]
        if kind == "AWS::Lambda::Function":
            return str(client("lambda").get_function(FunctionName=physical[logical])["Configuration"]["FunctionArn"])
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{physical[logical]}"
        if kind == "AWS::SQS::Queue":
            reply = client("sqs").get_queue_attributes(QueueUrl=physical[logical], AttributeNames=["QueueArn"])
            arn = str(reply["Attributes"]["QueueArn"])
            return arn if name == "Arn" else arn.rsplit(":", 1)[1]
        if kind == "AWS::S3::Bucket" and name == "Arn":
            return f"arn:aws:s3:::{physical[logical]}"
        raise AssertionError(f"no attribute {name} of {logical} ({kind}) in these tests")

    resolve = resolver(parameters, physical | values, attribute, conditions, stack_id, stack_name)
    for logical, body in resources.items():
        if body["Type"] == "AWS::Lambda::Function" and logical in physical:  # a function off by its Condition is not
            dropped = {
                key: resolve(body["Properties"][key]) for key in LAMBDA_PROPERTIES_DROPPED if key in body["Properties"]
            }
            client("lambda").update_function_configuration(FunctionName=physical[logical], **dropped)
    order = list(BY_API)  # dependencies first: a receipt rule set before its rule (the translator may reorder)
    for logical, body in sorted(
        outside.items(), key=lambda item: order.index(item[1]["Type"]) if item[1]["Type"] in order else len(order)
    ):
        _create_by_api(body["Type"], resolve(body.get("Properties", {})), values.get(logical), client)
    outputs = {each["OutputKey"]: each.get("OutputValue", "") for each in described.get("Outputs", [])}
    by_api = {logical: body["Type"] for logical, body in outside.items() if body["Type"] in BY_API}
    return Deployment(stack_name, outputs, physical | values, by_api, resolve)


def _create_by_api(kind: str, properties: dict[str, Any], name: str | None, client: Callable[[str], Any]) -> None:
    if kind == "AWS::CloudWatch::Alarm":
        alarm = {k: v for k, v in properties.items() if k != "Metrics"} | {"AlarmName": name}
        if "Metrics" in properties:
            alarm["Metrics"] = properties["Metrics"]
        for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm", "Threshold"):
            if key in alarm:
                alarm[key] = float(alarm[key]) if key == "Threshold" else int(alarm[key])
        client("cloudwatch").put_metric_alarm(**alarm)
    elif kind == "AWS::SNS::Subscription":
        attributes = {"RedrivePolicy": json.dumps(properties["RedrivePolicy"])} if "RedrivePolicy" in properties else {}
        client("sns").subscribe(
            TopicArn=properties["TopicArn"],
            Protocol=properties["Protocol"],
            Endpoint=properties["Endpoint"],
            Attributes=attributes,
        )
    elif kind == "AWS::SNS::TopicPolicy":
        for topic in properties["Topics"]:
            policy = policy_json(properties["PolicyDocument"])
            client("sns").set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=policy)
    elif kind == "AWS::SQS::QueuePolicy":
        for queue in properties["Queues"]:
            client("sqs").set_queue_attributes(
                QueueUrl=queue, Attributes={"Policy": policy_json(properties["PolicyDocument"])}
            )
    elif kind == "AWS::S3::BucketPolicy":
        client("s3").put_bucket_policy(Bucket=properties["Bucket"], Policy=policy_json(properties["PolicyDocument"]))
    elif kind == "AWS::Lambda::EventInvokeConfig":
        client("lambda").put_function_event_invoke_config(
            FunctionName=properties["FunctionName"],
            Qualifier=properties["Qualifier"],
            MaximumRetryAttempts=properties["MaximumRetryAttempts"],
        )
    elif kind == "AWS::SES::ReceiptRuleSet":
        client("ses").create_receipt_rule_set(RuleSetName=properties["RuleSetName"])
    elif kind == "AWS::SES::ReceiptRule":
        client("ses").create_receipt_rule(RuleSetName=properties["RuleSetName"], Rule=properties["Rule"])
    elif kind == "AWS::SES::ConfigurationSetEventDestination":
        destination = properties["EventDestination"]
        client("ses").create_configuration_set_event_destination(
            ConfigurationSetName=properties["ConfigurationSetName"],
            EventDestination={
                "Name": destination["Name"],
                "Enabled": destination["Enabled"],
                "MatchingEventTypes": destination["MatchingEventTypes"],
                "SNSDestination": {"TopicARN": destination["SnsDestination"]["TopicARN"]},
            },
        )


def _no_attribute(logical: str, name: str) -> str:
    raise AssertionError(f"{logical}.{name} is not known before the stack exists")


def _without_depends_on(body: dict[str, Any], outside: dict[str, Any]) -> dict[str, Any]:
    depends = body.get("DependsOn")
    if depends is None:
        return body
    kept = [each for each in ([depends] if isinstance(depends, str) else depends) if each not in outside]
    return {k: v for k, v in body.items() if k != "DependsOn"} | ({"DependsOn": kept} if kept else {})


ARTIFACTS = "mailcanary-artifacts"  # where the translated template's code packages are (sam_translate.py)


@contextmanager
def deployed(translated: dict[str, Any], stack: str, parameters: dict[str, str]) -> Iterator[tuple[Deployment, Any]]:
    """The translated template created as stack `stack` on a fresh moto, and a client factory to read it back."""
    from moto import mock_aws

    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("AWS_")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    try:
        with mock_aws():

            def client(service: str) -> Any:
                return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]

            client("s3").create_bucket(Bucket=ARTIFACTS)
            for logical, body in translated["Resources"].items():
                code = body["Properties"].get("Code") or body["Properties"].get("Content")
                if isinstance(code, dict) and code.get("S3Bucket") == ARTIFACTS:
                    client("s3").put_object(Bucket=ARTIFACTS, Key=code["S3Key"], Body=_zip(logical))
            yield deploy(translated, stack, client, parameters), client
    finally:
        for key in [key for key in os.environ if key.startswith("AWS_")]:
            del os.environ[key]
        os.environ.update(saved)


def _zip(logical: str) -> bytes:
    """A small stand-in package per function or layer (moto stores the code; it does not run it here)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", f"# {logical}\ndef lambda_handler(event, context):\n    return event\n")
    return buffer.getvalue()
