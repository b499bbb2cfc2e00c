"""Read a deployed stack: outputs, parameters and resources, by stack name."""

from __future__ import annotations

from typing import Any

from mailcanary.core.aws_errors import aws_error_code
from mailcanary.doctor.errors import StackNotReadableError
from mailcanary.doctor.model import Stack

__all__ = ["read_stack"]

_MAX_PAGES = 20  # 100 resources a page; the stack has about 40


def read_stack(cloudformation: Any, name: str, region: str) -> Stack:
    """The stack `name` as CloudFormation describes it; `StackNotReadableError` when it cannot be read."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        (described,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
        resources: dict[str, tuple[str, str]] = {}
        token: str | None = None
        for _ in range(_MAX_PAGES):
            page = cloudformation.list_stack_resources(StackName=name, **({"NextToken": token} if token else {}))
            for summary in page["StackResourceSummaries"]:
                resources[summary["LogicalResourceId"]] = (
                    summary["ResourceType"],
                    summary.get("PhysicalResourceId", ""),
                )
            token = page.get("NextToken")
            if not token:
                break
    except ClientError as exc:
        raise StackNotReadableError(f"cannot read stack {name!r} in {region}: {aws_error_code(exc)}") from None
    except BotoCoreError as exc:
        raise StackNotReadableError(f"cannot read stack {name!r} in {region}: {type(exc).__name__}") from None
    return Stack(
        name=name,
        region=region,
        created=described["CreationTime"],
        outputs={each["OutputKey"]: each.get("OutputValue", "") for each in described.get("Outputs", [])},
        parameters={each["ParameterKey"]: each.get("ParameterValue", "") for each in described.get("Parameters", [])},
        resources=resources,
    )
