"""A DynamoDB client wrapper over moto that records every call and fails exactly one of them with a ClientError.

Used to fail a handler's invocation at each DynamoDB call position in turn, as a throttled or failing DynamoDB
would (botocore's own retries are below this wrapper, so the error reaches the code as after its last retry).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from handlers import LambdaContext, allowed_actions, aws_calls, emf, load_handler

from mailcanary.config import clients as aws_clients
from mailcanary.config.runtime import Runtime
from mailcanary.config.settings import Settings
from mailcanary.core.checks import CanaryState
from mailcanary.store import CanaryStore, PathKind, new_canary, new_path
from tests.support.aws_world import CANARY_TABLE, AwsWorld

Call = tuple[str, str, str]  # (operation, table, what: an item's sort key, an index name or "")

EXAMPLE_MESSAGE_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"  # in every events/ses_events file
TARGET = "ses-api:us-east-1"


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


class RetriedLambdaContext(LambdaContext):
    """Lambda retries a failed asynchronous invocation a minute or more after it ended. Powertools idempotency
    lets a retry take over an in-progress record only once the failed invocation's time is up, so this context
    places that moment in the past, as it is when the real retry arrives."""

    def get_remaining_time_in_millis(self) -> int:
        return -60_000


def two_path_canary(
    aws: AwsWorld, canary_id: str, *, created_at: datetime, decided: tuple[str, ...] = ()
) -> CanaryStore:
    """A canary with paths `first` (message `first-id`) and `second` (the example events' message id), both to
    recipient@example.com; the paths named in `decided` already passed."""
    store = CanaryStore(aws.client("dynamodb"), CANARY_TABLE)
    paths = [
        new_path(
            canary_id,
            name,
            PathKind.API,
            TARGET,
            deadline=created_at + timedelta(minutes=15),
            envelope=["recipient@example.com"],
            ses_message_id=message_id,
            sent_at=created_at,
        )
        for name, message_id in (("first", "first-id"), ("second", EXAMPLE_MESSAGE_ID))
    ]
    store.create(new_canary(canary_id, paths, created_at=created_at))
    for name in decided:
        store.decide_path(canary_id, name, CanaryState.PASSED, (), now=created_at + timedelta(seconds=5))
    return store


def invoke_with(function: str, payload: Any, dynamodb: FailingDynamoDB) -> tuple[Any, BaseException | None]:
    """One invocation of the handler with its DynamoDB calls through `dynamodb`; (result, the error it raised).
    Every call must be one its function's policy in template.yaml grants (moto enforces no IAM)."""
    handler = load_handler(function)
    handler.runtime = dynamodb.runtime()
    result: Any = None
    error: BaseException | None = None
    with aws_calls() as calls:
        try:
            result = handler.lambda_handler(payload, RetriedLambdaContext())
        except Exception as exc:  # what Lambda would record as the invocation's error, then retry
            error = exc
    assert not sorted(calls - allowed_actions(function))
    return result, error


def tally(stdout: str) -> Counter[tuple[str, tuple[tuple[str, str], ...]]]:
    """Data points per (metric, dimensions) in the EMF printed on stdout; the cold-start metric left out."""
    tally: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    for name, dimensions, value in emf(stdout):
        if name != "ColdStart":
            tally[(name, tuple(sorted(dimensions.items())))] += len(value) if isinstance(value, list) else 1
    return tally
