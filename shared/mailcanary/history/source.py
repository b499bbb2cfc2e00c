"""Where `mailcanary history` reads rounds: a deployed stack (its canary table and artifact bucket from the
stack's outputs) or a DynamoDB endpoint and table given directly (the local lab's moto server).

A loopback endpoint gets moto's dummy credentials rather than the caller's: the lab accepts any, and real
credentials have no business being sent to a process on this machine.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mailcanary.core.aws_errors import aws_error_code
from mailcanary.core.errors import UsageError
from mailcanary.history.errors import SourceNotReadableError

__all__ = ["BUCKET_OUTPUT", "TABLE_OUTPUT", "HistorySource", "endpoint_source", "session_factory", "stack_source"]

TABLE_OUTPUT = "CanaryTableName"
BUCKET_OUTPUT = "ArtifactBucketName"
_LAB_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_DEFAULT_REGION = "us-east-1"

ClientFactory = Callable[[str], Any]  # service name -> boto3 client


@dataclass(frozen=True)
class HistorySource:
    """A DynamoDB client and the canary table on it; the artifact bucket when the stack keeps artifacts."""

    dynamodb: Any
    table_name: str
    artifact_bucket: str | None
    description: dict[str, str | None]  # what the JSON document says it read


def _loopback(endpoint_url: str) -> bool:
    host = urlsplit(endpoint_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def session_factory(region: str | None, endpoint_url: str | None) -> tuple[ClientFactory, str]:
    """boto3 clients for `region` (the CLI's default if None), on `endpoint_url` when given; and the region."""
    import boto3

    if endpoint_url is not None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--endpoint-url must be an http(s) URL, not {endpoint_url!r}")
    credentials = _LAB_CREDENTIALS if endpoint_url is not None and _loopback(endpoint_url) else {}
    session = boto3.session.Session(region_name=region, **credentials)  # type: ignore[arg-type]
    where = region or session.region_name or _DEFAULT_REGION

    def client(service: str) -> Any:
        return session.client(service, region_name=where, endpoint_url=endpoint_url)  # type: ignore[call-overload]

    return client, where


def endpoint_source(
    clients: ClientFactory, table_name: str, *, endpoint_url: str | None, artifact_bucket: str | None = None
) -> HistorySource:
    """The table `table_name` on the endpoint the factory's clients talk to."""
    description = {"table": table_name, "endpoint_url": endpoint_url, "stack": None}
    return HistorySource(clients("dynamodb"), table_name, artifact_bucket, description)


def stack_source(clients: ClientFactory, stack_name: str, region: str) -> HistorySource:
    """The canary table and artifact bucket of the deployed stack `stack_name`, from its outputs."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        (stack,) = clients("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        raise SourceNotReadableError(f"cannot read stack {stack_name!r} in {region}: {aws_error_code(exc)}") from None
    except BotoCoreError as exc:
        raise SourceNotReadableError(f"cannot read stack {stack_name!r} in {region}: {type(exc).__name__}") from None
    outputs = {each["OutputKey"]: each.get("OutputValue", "") for each in stack.get("Outputs", [])}
    table = outputs.get(TABLE_OUTPUT)
    if not table:
        raise SourceNotReadableError(
            f"stack {stack_name!r} in {region} has no {TABLE_OUTPUT} output: is it a mailcanary stack?"
        )
    bucket = outputs.get(BUCKET_OUTPUT) or None  # stacks deployed before artifacts existed have none
    description = {"table": table, "endpoint_url": None, "stack": stack_name}
    return HistorySource(clients("dynamodb"), table, bucket, description)
