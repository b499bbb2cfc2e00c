"""Conditional updates of one path: its send, the SES events seen for it, its decision (each exactly once)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mailcanary.checks import CanaryState
from mailcanary.store import codec
from mailcanary.store.errors import StoreError, TransitionConflictError
from mailcanary.store.reads import StoreReads
from mailcanary.store.records import FailedCheck, ObservedEvent, PathRecord
from mailcanary.store.schema import PATH_SK_PREFIX
from mailcanary.store.table import PENDING, TRANSACTION_LIMIT, error_code

__all__ = ["RecordedEvent", "StorePathUpdates"]


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """The path after recording one SES event; `applied` is False when that event was already on record."""

    path: PathRecord
    applied: bool


class StorePathUpdates(StoreReads):
    """The path writes of `CanaryStore` (a conflict re-reads the path, hence the read side underneath)."""

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
        for start in range(0, len(sends), TRANSACTION_LIMIT):
            chunk = sends[start : start + TRANSACTION_LIMIT]
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
                if error_code(exc) not in {"TransactionCanceledException", "ConditionalCheckFailedException"}:
                    raise StoreError(f"recording sends of {canary_id} failed: {error_code(exc)}") from exc
                for path, ses_message_id, sent_at in chunk:
                    self.record_send(canary_id, path, ses_message_id=ses_message_id, sent_at=sent_at)
            except BotoCoreError as exc:
                raise StoreError(f"recording sends of {canary_id} failed: {exc}") from exc

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
        values = PENDING | {
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
            if error_code(exc) == "ConditionalCheckFailedException":
                current = self._get_path(canary_id, path_name)
                state = current.state if current else None
                raise TransitionConflictError(f"path {canary_id}/{path_name} refused the write", current=state) from exc
            raise StoreError(f"updating path {canary_id}/{path_name} failed: {error_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"updating path {canary_id}/{path_name} failed: {exc}") from exc
        return codec.path_from_item(response["Attributes"])
