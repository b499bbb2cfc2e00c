"""Reading canary records: a whole canary or its progress, the send SES gave a message id, the overdue canaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mailcanary.core.checks import CanaryState
from mailcanary.store import codec
from mailcanary.store.errors import StoreError
from mailcanary.store.records import CanaryRecord, PathRecord, SentMessage
from mailcanary.store.schema import (
    BY_PENDING_INDEX,
    BY_SES_MESSAGE_ID_INDEX,
    CANARY_SK,
    OPEN_PATHS,
    PATH_SK_PREFIX,
    PENDING_SHARD,
)
from mailcanary.store.table import TableAccess

__all__ = ["StoreReads"]

_MAX_PAGES = 64  # query pages of 1 MB one canary may span: far above 500 paths with all their events


class StoreReads(TableAccess):
    """The read side of `CanaryStore`."""

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

    def find_send(self, ses_message_id: str) -> SentMessage | None:
        """The send SES gave `ses_message_id` (its canary, path, envelope), or None when it is not a canary of ours.

        The index is eventually consistent: a send recorded a moment ago may not be listed yet.
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
        return codec.sent_from_item(items[0]) if items else None

    def progress(self, canary_id: str) -> tuple[CanaryState, int | None] | None:
        """The canary's state and its count of open paths (None: not counted), from the canary item alone;
        None when there is no such canary. One small consistent read instead of the whole canary."""
        response = self._call(
            f"read progress of {canary_id}",
            lambda: self._client.get_item(
                TableName=self.table_name,
                Key=self._key(canary_id, CANARY_SK),
                ConsistentRead=True,
                ProjectionExpression="#state, #open",
                ExpressionAttributeNames={"#state": "state", "#open": OPEN_PATHS},
            ),
        )
        item = response.get("Item")
        if item is None:
            return None
        try:
            state = CanaryState(item["state"]["S"])
            count = int(item[OPEN_PATHS]["N"]) if OPEN_PATHS in item else None
        except (KeyError, ValueError) as exc:
            raise StoreError(f"malformed canary item {canary_id!r}: {exc!r}") from exc
        return state, count

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
