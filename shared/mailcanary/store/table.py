"""The DynamoDB plumbing every part of `CanaryStore` shares: client, table, keys, and SDK errors as `StoreError`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from mailcanary.core.aws_errors import aws_error_code
from mailcanary.core.checks import CanaryState
from mailcanary.store.errors import StoreError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

__all__ = ["DEFAULT_RETENTION", "PENDING", "TRANSACTION_LIMIT", "TableAccess", "refused_by_condition"]

DEFAULT_RETENTION = timedelta(days=30)
TRANSACTION_LIMIT = 100  # DynamoDB's maximum actions per TransactWriteItems
PENDING = {":pending": {"S": CanaryState.PENDING.value}}  # the value every `#state = :pending` condition uses
_T = TypeVar("_T")


def refused_by_condition(exc: ClientError) -> bool:
    """True when a write (or one action of a transaction) lost its condition, as opposed to failing."""
    if aws_error_code(exc) == "ConditionalCheckFailedException":
        return True
    reasons = exc.response.get("CancellationReasons", [])
    return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)


class TableAccess:
    """The canary table behind a passed-in DynamoDB client; the base of each part of `CanaryStore`."""

    def __init__(self, client: DynamoDBClient, table_name: str, *, retention: timedelta = DEFAULT_RETENTION) -> None:
        self._client = client
        self.table_name = table_name
        self._retention = retention

    def _call(self, action: str, operation: Callable[[], _T]) -> _T:
        try:
            return operation()
        except ClientError as exc:
            raise StoreError(f"{action} failed on {self.table_name}: {aws_error_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"{action} failed on {self.table_name}: {exc}") from exc

    def _query(self, action: str, query: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call(action, lambda: self._client.query(**query)))

    def _key(self, canary_id: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": canary_id}, "sk": {"S": sk}}
