"""A DynamoDB client wrapper over moto that records every call and fails exactly one of them with a ClientError.

Used to fail a handler's invocation at each DynamoDB call position in turn, as a throttled or failing DynamoDB
would (botocore's own retries are below this wrapper, so the error reaches the code as after its last retry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from mailcanary import aws_clients
from mailcanary.config import Settings
from mailcanary.runtime import Runtime

Call = tuple[str, str, str]  # (operation, table, what: an item's sort key, an index name or "")


def describe(operation: str, params: dict[str, Any]) -> Call:
    """One call as (operation, table, sort key of the item or index name) for comparing call sequences."""
    if operation == "TransactWriteItems":
        first = params["TransactItems"][0]
        action = next(iter(first.values()))
        return operation, action["TableName"], f"{len(params['TransactItems'])} items"
    what = params.get("IndexName") or params.get("Key", {}).get("sk", {}).get("S", "")
    return operation, params.get("TableName", ""), what


@dataclass
class FailingDynamoDB:
    """Counts the DynamoDB calls made through its clients; the `fail_at`-th (1-based) raises `code` instead."""

    fail_at: int | None = None
    code: str = "ProvisionedThroughputExceededException"
    calls: list[Call] = field(default_factory=list)
    failed: Call | None = None

    def wrap(self, client: Any) -> Any:
        return _Client(client, self)

    def runtime(self) -> Callable[[], Runtime]:
        """A handler's `runtime` accessor whose DynamoDB clients go through this wrapper (the rest unchanged)."""

        def clients(service: str, region: str | None = None) -> Any:
            real = aws_clients.client(service, region)
            return self.wrap(real) if service == "dynamodb" else real

        return lambda: Runtime(Settings.from_environ(), clients=clients)

    def before(self, operation: str, params: dict[str, Any]) -> None:
        call = describe(operation, params)
        self.calls.append(call)
        if len(self.calls) == self.fail_at:
            self.failed = call
            error = {"Error": {"Code": self.code, "Message": f"injected failure of call {self.fail_at}"}}
            raise ClientError(error, operation)  # type: ignore[arg-type]


class _Client:
    """The real client, with each API method first reported to the recorder (which may raise)."""

    def __init__(self, client: Any, recorder: FailingDynamoDB) -> None:
        self._client = client
        self._recorder = recorder

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        operation = self._client.meta.method_to_api_mapping.get(name)
        if operation is None:
            return attribute

        def call(**params: Any) -> Any:
            self._recorder.before(operation, params)
            return attribute(**params)

        return call
