"""The world of the doctor tests (the fixture is in conftest.py): a deployed stack for the doctor, built on the
shared moto world (tests/support/aws_world.py): moto for SES v1, SNS, Secrets Manager and CloudWatch;
botocore's Stubber (responses validated against the API models) for what moto cannot hold: CloudFormation
stacks whose resources are alarms (moto's CloudFormation creates no AWS::CloudWatch::Alarm), SESv2 GetAccount
and composite alarms (not implemented by moto)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.stub import Stubber

from tests.support.aws_world import AwsWorld

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "mailcanary"
NOW = datetime.now(UTC).replace(microsecond=0)
ALARMS = ("CanaryFailedAlarm", "HeartbeatAlarm", "HeartbeatArmedAlarm")
HEALTHY_ACCOUNT = {
    "DedicatedIpAutoWarmupEnabled": False,
    "EnforcementStatus": "HEALTHY",
    "ProductionAccessEnabled": True,
    "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 1200.0},
    "SendingEnabled": True,
}


@dataclass
class DoctorWorld:
    """moto resources of one stack plus the stubbed clients; `clients` is what the doctor is given."""

    aws: AwsWorld
    topic_arn: str
    secret_arn: str
    created: datetime = field(default_factory=lambda: NOW - timedelta(days=2))
    parameters: dict[str, str] = field(default_factory=lambda: {"SenderAddress": "canary@example.com"})
    account: dict[str, Any] = field(default_factory=lambda: dict(HEALTHY_ACCOUNT))
    account_error: str | None = None
    configuration_set: str = "mailcanary-cs"
    stubbed: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str, region: str = REGION) -> Any:
        return self.aws.client(service, region)

    def stack_description(self) -> dict[str, Any]:
        outputs = {
            "ConfigurationSetName": self.configuration_set,
            "SesEventTopicArn": self.topic_arn,
            "SmtpSecretArn": self.secret_arn,
            "CanaryFunctionName": "mailcanary-CanaryFunction-X",
        }
        return {
            "Stacks": [
                {
                    "StackName": STACK,
                    "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/0f3e",
                    "CreationTime": self.created,
                    "StackStatus": "CREATE_COMPLETE",
                    "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in self.parameters.items()],
                    "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                }
            ]
        }

    def stack_resources(self) -> dict[str, Any]:
        return {
            "StackResourceSummaries": [
                {
                    "LogicalResourceId": alarm,
                    "PhysicalResourceId": f"{STACK}-{alarm}",
                    "ResourceType": "AWS::CloudWatch::Alarm",
                    "LastUpdatedTimestamp": self.created,
                    "ResourceStatus": "CREATE_COMPLETE",
                }
                for alarm in ALARMS
            ]
        }

    def clients(self) -> Callable[[str, str], Any]:
        """The factory the doctor takes: Stubber-backed CloudFormation and SESv2, moto for the rest."""
        cloudformation = self.aws.new_client("cloudformation")
        stub = Stubber(cloudformation)
        stub.add_response("describe_stacks", self.stack_description(), {"StackName": STACK})
        stub.add_response("list_stack_resources", self.stack_resources(), {"StackName": STACK})
        stub.activate()
        sesv2 = self.aws.new_client("sesv2")
        account_stub = Stubber(sesv2)
        if self.account_error:
            account_stub.add_client_error("get_account", self.account_error, "denied", 400)
        else:
            account_stub.add_response("get_account", self.account, {})
        account_stub.activate()
        self.stubbed = {"cloudformation": cloudformation, "sesv2": sesv2}

        def factory(service: str, region: str) -> Any:
            return self.stubbed.get(service) or self.client(service, region)

        return factory


def put_canaries(world: DoctorWorld, at: datetime, sent: float, failed: float = 0) -> None:
    metrics: list[dict[str, Any]] = [{"MetricName": "CanarySent", "Value": sent, "Timestamp": at}]
    if failed:
        metrics.append({"MetricName": "CanaryFailed", "Value": failed, "Timestamp": at})
    world.client("cloudwatch").put_metric_data(Namespace="Mailcanary", MetricData=metrics)
