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
from mailcanary.store.errors import CanaryExistsError, StoreError, TransitionConflictError
from mailcanary.store.records import CanaryRecord, FailedCheck, ObservedEvent, PathRecord
from mailcanary.store.schema import BY_PENDING_INDEX, BY_SES_MESSAGE_ID_INDEX, CANARY_SK, PATH_SK_PREFIX, PENDING_SHARD

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

__all__ = ["DEFAULT_RETENTION", "CanaryStore", "RecordedEvent"]

DEFAULT_RETENTION = timedelta(days=30)
_T = TypeVar("_T")
_PENDING = {":pending": {"S": CanaryState.PENDING.value}}
_TRANSACTION_LIMIT = 100  # DynamoDB's maximum actions per TransactWriteItems
_MAX_PAGES = 64  # query pages of 1 MB one canary may span: far above 500 paths with all their events


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """The path after recording one SES event; `applied` is False when that event was already on record."""

    path: PathRecord
    applied: bool


def _conflict_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _refused_by_condition(exc: ClientError) -> bool:
    """True when a write (or one action of a transaction) lost its condition, as opposed to failing."""
    if _conflict_code(exc) == "ConditionalCheckFailedException":
        return True
    reasons = exc.response.get("CancellationReasons", [])
    return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)


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
        """Write a new canary and all its paths; an id already in the table raises `CanaryExistsError`.

        Every put is conditional (`attribute_not_exists`), so nothing is ever overwritten. Up to 99 paths go in
        one transaction with the canary item. More paths (a transaction holds at most 100 actions) are written
        first, 99 per transaction, each transaction also checking that the canary item does not exist; the
        canary item goes LAST, with the final paths. The canary item is what every reader starts from: `get`
        returns None without it, the sweeper lists only canary items (`by-pending`), the reconciler decides a
        canary from `get`. So no reader ever sees a canary whose paths are not all written. (Written first, a
        canary would read as malformed until its paths exist, and a failed later write would leave it so.)
        If a transaction fails, the paths already written are deleted again (best effort: any left over are
        invisible without their canary item and expire with their TTL).
        """
        expires_at = canary.created_at + self._retention
        head = codec.canary_item(canary, expires_at=expires_at)
        paths = [codec.path_item(path, expires_at=expires_at) for path in canary.paths]
        size = _TRANSACTION_LIMIT - 1
        chunks = [paths[start : start + size] for start in range(0, len(paths), size)] or [[]]
        absent = "attribute_not_exists(pk)"
        written: list[codec.Item] = []
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            guard: Any = (
                {"Put": {"TableName": self.table_name, "Item": head, "ConditionExpression": absent}}
                if last
                else {
                    "ConditionCheck": {
                        "TableName": self.table_name,
                        "Key": self._key(canary.canary_id, CANARY_SK),
                        "ConditionExpression": absent,
                    }
                }
            )
            puts: list[Any] = [
                {"Put": {"TableName": self.table_name, "Item": item, "ConditionExpression": absent}} for item in chunk
            ]
            try:
                self._client.transact_write_items(TransactItems=[*puts, guard])
            except (ClientError, BotoCoreError) as exc:
                self._forget(written)
                if isinstance(exc, ClientError) and _refused_by_condition(exc):
                    raise CanaryExistsError(f"canary {canary.canary_id} already exists: nothing written") from exc
                reason = _conflict_code(exc) if isinstance(exc, ClientError) else str(exc)
                raise StoreError(f"create canary {canary.canary_id} failed on {self.table_name}: {reason}") from exc
            written += chunk

    def _forget(self, items: Sequence[codec.Item]) -> None:
        """Delete path items a failed `create` wrote (they are ours: each was put only where nothing was)."""
        for start in range(0, len(items), _TRANSACTION_LIMIT):
            deletes: list[Any] = [
                {"Delete": {"TableName": self.table_name, "Key": {"pk": item["pk"], "sk": item["sk"]}}}
                for item in items[start : start + _TRANSACTION_LIMIT]
            ]
            try:
                self._client.transact_write_items(TransactItems=deletes)
            except (ClientError, BotoCoreError):
                return  # best effort: leftovers have no canary item, so no reader sees them; TTL removes them

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
        """The canary with all its paths (strongly consistent reads), or None until its canary item exists."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": canary_id}},
            "ConsistentRead": True,
        }
        for _ in range(_MAX_PAGES):  # hundreds of paths with their events can outgrow one 1 MB page
            response = self._query(f"read canary {canary_id}", query)
            items += response.get("Items", [])
            if not response.get("LastEvaluatedKey"):
                return codec.canary_from_items(items)
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        raise StoreError(f"canary {canary_id} spans more than {_MAX_PAGES} query pages")

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
        """Mark a pending canary and all its still-pending paths `lost`; the canary item is written last.

        Up to 99 pending paths: one transaction, so a path cannot pass in between; if anything left `pending`
        meanwhile the whole write is refused with `TransitionConflictError` and the caller re-reads. More paths
        than one transaction holds: 99 paths per transaction first, then the canary item with the last ones. A
        refusal then raises `TransitionConflictError` with the earlier paths already lost (pending past the
        deadline, which is what a re-read decides for them anyway); the canary stays pending and listed until
        its own write. Its failed checks are those of every lost path, also of paths `canary` shows lost
        already (left so by an unfinished earlier call).
        """
        pending = {path.name: tuple(checks.get(path.name, ())) for path in canary.paths if not path.state.terminal}
        every_check = [check for path in canary.paths if path.state is CanaryState.LOST for check in path.failed_checks]
        every_check += [check for path_checks in pending.values() for check in path_checks]
        names, size = list(pending), _TRANSACTION_LIMIT - 1
        ahead = max(len(names) - size, 0)  # paths written before the final transaction
        for start in range(0, ahead, size):
            chunk = {name: pending[name] for name in names[start : min(start + size, ahead)]}
            self._transact_decision(canary.canary_id, CanaryState.LOST, (), now=now, paths=chunk, canary=False)
        last = {name: pending[name] for name in names[ahead:]}
        self._transact_decision(canary.canary_id, CanaryState.LOST, every_check, now=now, paths=last)

    def _transact_decision(
        self,
        canary_id: str,
        state: CanaryState,
        checks: Iterable[FailedCheck],
        *,
        now: datetime,
        paths: Mapping[str, Iterable[FailedCheck]],
        canary: bool = True,
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

        items = [update(CANARY_SK, checks, " REMOVE pending_shard")] if canary else []
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
