"""`CanaryStore`: canary records in DynamoDB, moved along `pending → passed | failed | lost` exactly once.

Every change is a conditional write: an SES event is recorded only if its key is new on the path, and a state
leaves `pending` only while it still is `pending`. A duplicate or late SNS delivery therefore can neither
double-apply nor move a record backwards, however many Lambda invocations race on it. Terminal is terminal:
a canary swept `lost` stays lost even if its Delivery arrives afterwards (the event is still recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from mailcanary.checks import CanaryState
from mailcanary.store import codec
from mailcanary.store.errors import StoreError, TransitionConflictError
from mailcanary.store.records import CanaryRecord, FailedCheck, ObservedEvent, PathRecord
from mailcanary.store.schema import BY_PENDING_INDEX, BY_SES_MESSAGE_ID_INDEX, CANARY_SK, PATH_SK_PREFIX, PENDING_SHARD

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

__all__ = ["DEFAULT_RETENTION", "CanaryStore", "RecordedEvent"]

DEFAULT_RETENTION = timedelta(days=30)
_T = TypeVar("_T")
_PENDING = {":pending": {"S": CanaryState.PENDING.value}}
_TRANSACTION_LIMIT = 100  # DynamoDB's maximum actions per TransactWriteItems


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """The path after recording one SES event; `applied` is False when that event was already on record."""

    path: PathRecord
    applied: bool


def _conflict_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class CanaryStore:
    """Reads and conditional writes of canary records; the DynamoDB client and the table name are passed in."""

    def __init__(self, client: DynamoDBClient, table_name: str, *, retention: timedelta = DEFAULT_RETENTION) -> None:
        self._client = client
        self.table_name = table_name
        self._retention = retention

    def _call(self, action: str, operation: Callable[[], _T]) -> _T:
        try:
            return operation()
        except ClientError as exc:
            raise StoreError(f"{action} failed on {self.table_name}: {_conflict_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"{action} failed on {self.table_name}: {exc}") from exc

    def _query(self, action: str, query: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call(action, lambda: self._client.query(**query)))

    def _key(self, canary_id: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": canary_id}, "sk": {"S": sk}}

    def create(self, canary: CanaryRecord) -> None:
        """Write a new canary and its paths in one transaction; an existing canary id raises `StoreError`."""
        expires_at = canary.created_at + self._retention
        items = [codec.canary_item(canary, expires_at=expires_at)]
        items += [codec.path_item(path, expires_at=expires_at) for path in canary.paths]
        puts: list[Any] = [
            {"Put": {"TableName": self.table_name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
            for item in items
        ]
        self._call(f"create canary {canary.canary_id}", lambda: self._client.transact_write_items(TransactItems=puts))

    def record_send(self, canary_id: str, path: PathRecord, *, ses_message_id: str, sent_at: datetime) -> PathRecord:
        """Attach what a path really sent (message id, envelope, expectations) to its pending item, once.

        Lets the canary be created before it is sent, so an SES event can never arrive for an unknown canary.
        """
        return self._update_path(canary_id, path.name, *codec.send_update(path, ses_message_id, sent_at))

    def record_sends(self, canary_id: str, sends: Sequence[tuple[PathRecord, str, datetime]]) -> None:
        """`record_send` for several paths of one canary, each (path, SES message id, sent at), in few calls.

        Two or more go in TransactWriteItems of up to 100 conditional updates each (the same condition as
        `record_send`, so nothing is recorded twice or on a decided path; a transaction bills 2 write units
        per item). If a transaction is refused, its sends are retried one by one, so a conflict surfaces
        exactly as `record_send` reports it and the other paths are still recorded.
        """
        for start in range(0, len(sends), _TRANSACTION_LIMIT):
            chunk = sends[start : start + _TRANSACTION_LIMIT]
            if len(chunk) == 1:
                path, ses_message_id, sent_at = chunk[0]
                self.record_send(canary_id, path, ses_message_id=ses_message_id, sent_at=sent_at)
                continue
            items: list[Any] = []
            for path, ses_message_id, sent_at in chunk:
                expression, condition, names, values = codec.send_update(path, ses_message_id, sent_at)
                items.append(
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": self._key(canary_id, PATH_SK_PREFIX + path.name),
                            "UpdateExpression": expression,
                            "ConditionExpression": condition,
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": values,
                        }
                    }
                )
            try:
                self._client.transact_write_items(TransactItems=items)
            except ClientError as exc:
                if _conflict_code(exc) not in {"TransactionCanceledException", "ConditionalCheckFailedException"}:
                    raise StoreError(f"recording sends of {canary_id} failed: {_conflict_code(exc)}") from exc
                for path, ses_message_id, sent_at in chunk:
                    self.record_send(canary_id, path, ses_message_id=ses_message_id, sent_at=sent_at)
            except BotoCoreError as exc:
                raise StoreError(f"recording sends of {canary_id} failed: {exc}") from exc

    def get(self, canary_id: str) -> CanaryRecord | None:
        """The canary with all its paths (strongly consistent), or None."""
        response = self._query(
            f"read canary {canary_id}",
            {
                "TableName": self.table_name,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": canary_id}},
                "ConsistentRead": True,
            },
        )
        # One canary has a handful of items, far below one 1 MB query page.
        return codec.canary_from_items(response.get("Items", []))

    def find_path(self, ses_message_id: str) -> tuple[str, str] | None:
        """(canary id, path name) of the path SES gave `ses_message_id`, or None when it is not a canary of ours.

        The index is eventually consistent: a record written a moment ago may not be listed yet.
        """
        response = self._query(
            f"look up {ses_message_id}",
            {
                "TableName": self.table_name,
                "IndexName": BY_SES_MESSAGE_ID_INDEX,
                "KeyConditionExpression": "ses_message_id = :id",
                "ExpressionAttributeValues": {":id": {"S": ses_message_id}},
                "Limit": 1,
            },
        )
        items = response.get("Items", [])
        return (items[0]["pk"]["S"], items[0]["path"]["S"]) if items else None

    def record_event(self, canary_id: str, path_name: str, event: ObservedEvent) -> RecordedEvent:
        """Add one SES event to a path unless an event with the same key is already there."""
        names = {"#key": event.key}
        values = {":event": codec.dump(codec.event_value(event)), ":one": {"N": "1"}}
        try:
            path = self._update_path(
                canary_id,
                path_name,
                "SET events.#key = :event, version = version + :one",
                "attribute_exists(pk) AND attribute_not_exists(events.#key)",
                names,
                values,
            )
        except TransitionConflictError:
            current = self._get_path(canary_id, path_name)
            if current is None:
                raise StoreError(f"canary {canary_id} has no path {path_name!r}") from None
            return RecordedEvent(current, applied=False)
        return RecordedEvent(path, applied=True)

    def decide_path(
        self, canary_id: str, path_name: str, state: CanaryState, checks: Iterable[FailedCheck], *, now: datetime
    ) -> PathRecord:
        """Move a pending path to a terminal state; `TransitionConflictError` if it already left `pending`."""
        if not state.terminal:
            raise ValueError("a path can only be decided into a terminal state")
        names = {"#state": "state"}
        values = _PENDING | {
            ":state": {"S": state.value},
            ":checks": codec.dump(codec.checks_value(checks)),
            ":at": {"S": codec.iso(now)},
            ":one": {"N": "1"},
        }
        return self._update_path(
            canary_id,
            path_name,
            "SET #state = :state, failed_checks = :checks, decided_at = :at, version = version + :one",
            "#state = :pending",
            names,
            values,
        )

    def decide_canary(
        self, canary_id: str, state: CanaryState, checks: Iterable[FailedCheck], *, now: datetime
    ) -> None:
        """Move a pending canary to a terminal state and out of the pending index, exactly once."""
        self._transact_decision(canary_id, state, checks, now=now, paths={})

    def mark_lost(self, canary: CanaryRecord, checks: Mapping[str, Iterable[FailedCheck]], *, now: datetime) -> None:
        """Atomically mark a pending canary and all its still-pending paths `lost`.

        One transaction, so a path cannot pass in between; if anything left `pending` meanwhile the whole
        write is refused with `TransitionConflictError` and the caller re-reads.
        """
        pending = {path.name: checks.get(path.name, ()) for path in canary.paths if not path.state.terminal}
        every_check = [check for path_checks in pending.values() for check in path_checks]
        self._transact_decision(canary.canary_id, CanaryState.LOST, every_check, now=now, paths=pending)

    def _transact_decision(
        self,
        canary_id: str,
        state: CanaryState,
        checks: Iterable[FailedCheck],
        *,
        now: datetime,
        paths: Mapping[str, Iterable[FailedCheck]],
    ) -> None:
        if not state.terminal:
            raise ValueError("a canary can only be decided into a terminal state")

        def update(sk: str, item_checks: Iterable[FailedCheck], extra: str = "") -> Any:
            return {
                "Update": {
                    "TableName": self.table_name,
                    "Key": self._key(canary_id, sk),
                    "UpdateExpression": "SET #state = :state, failed_checks = :checks, decided_at = :at, "
                    "version = version + :one" + extra,
                    "ConditionExpression": "#state = :pending",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": _PENDING
                    | {
                        ":state": {"S": state.value},
                        ":checks": codec.dump(codec.checks_value(item_checks)),
                        ":at": {"S": codec.iso(now)},
                        ":one": {"N": "1"},
                    },
                }
            }

        items = [update(CANARY_SK, checks, " REMOVE pending_shard")]
        items += [update(PATH_SK_PREFIX + name, path_checks) for name, path_checks in paths.items()]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if _conflict_code(exc) in {"TransactionCanceledException", "ConditionalCheckFailedException"}:
                raise TransitionConflictError(f"canary {canary_id} is no longer pending", current=None) from exc
            raise StoreError(f"deciding canary {canary_id} failed: {_conflict_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"deciding canary {canary_id} failed: {exc}") from exc

    def overdue(self, *, now: datetime, limit: int) -> tuple[list[str], bool]:
        """Ids of pending canaries whose deadline has passed (at most `limit`), and whether more remain."""
        found: list[str] = []
        start: dict[str, Any] | None = None
        while len(found) < limit:
            query: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": BY_PENDING_INDEX,
                "KeyConditionExpression": "pending_shard = :shard AND deadline <= :now",
                "ExpressionAttributeValues": {":shard": {"S": PENDING_SHARD}, ":now": {"N": str(int(now.timestamp()))}},
                "Limit": limit - len(found),
            }
            if start:
                query["ExclusiveStartKey"] = start
            response = self._query("list overdue canaries", query)
            found += [item["pk"]["S"] for item in response.get("Items", [])]
            start = response.get("LastEvaluatedKey")
            if not start:
                return found, False
        return found, True

    def _get_path(self, canary_id: str, path_name: str) -> PathRecord | None:
        response = self._call(
            f"read path {canary_id}/{path_name}",
            lambda: self._client.get_item(
                TableName=self.table_name, Key=self._key(canary_id, PATH_SK_PREFIX + path_name), ConsistentRead=True
            ),
        )
        item = response.get("Item")
        return codec.path_from_item(item) if item else None

    def _update_path(
        self,
        canary_id: str,
        path_name: str,
        expression: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any],
    ) -> PathRecord:
        try:
            response = self._client.update_item(
                TableName=self.table_name,
                Key=self._key(canary_id, PATH_SK_PREFIX + path_name),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if _conflict_code(exc) == "ConditionalCheckFailedException":
                current = self._get_path(canary_id, path_name)
                state = current.state if current else None
                raise TransitionConflictError(f"path {canary_id}/{path_name} refused the write", current=state) from exc
            raise StoreError(f"updating path {canary_id}/{path_name} failed: {_conflict_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"updating path {canary_id}/{path_name} failed: {exc}") from exc
        return codec.path_from_item(response["Attributes"])
