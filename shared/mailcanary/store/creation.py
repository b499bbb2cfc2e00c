"""Creating a canary: its canary item and every path item, never overwriting, never visible half-written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mailcanary.core.aws_errors import aws_error_code
from mailcanary.store import codec
from mailcanary.store.errors import CanaryExistsError, StoreError
from mailcanary.store.records import CanaryRecord
from mailcanary.store.schema import CANARY_SK
from mailcanary.store.table import TRANSACTION_LIMIT, TableAccess, refused_by_condition

__all__ = ["StoreCreation"]


class StoreCreation(TableAccess):
    """The `create` of `CanaryStore`."""

    def create(self, canary: CanaryRecord) -> None:
        """Write a new canary and all its paths; an id already in the table raises `CanaryExistsError`.

        Every put is conditional (`attribute_not_exists`), so nothing is ever overwritten. Up to 99 path items
        (a path created already sent adds its send item) go in one transaction with the canary item. More (a
        transaction holds at most 100 actions) are written first, 99 per transaction, each transaction also
        checking that the canary item does not exist; the canary item goes LAST, with the final paths. The
        canary item is what every reader starts from: `get` returns None without it, the sweeper lists only
        canary items (`by-pending`), the reconciler decides a canary from `get`. So no reader ever sees a canary
        whose paths are not all written. (Written first, a canary would read as malformed until its paths
        exist, and a failed later write would leave it so.)
        If a transaction fails, the paths already written are deleted again (best effort: any left over are
        invisible without their canary item and expire with their TTL).
        """
        expires_at = canary.created_at + self._retention
        head = codec.canary_item(canary, expires_at=expires_at)
        paths: list[codec.Item] = []
        for path in canary.paths:
            paths.append(codec.path_item(path, expires_at=expires_at))
            if path.sent is not None:  # a path recorded as already sent (a replay, a test) brings its send item
                paths.append(codec.send_item(path.sent, expires_at=expires_at))
        size = TRANSACTION_LIMIT - 1
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
                if isinstance(exc, ClientError) and refused_by_condition(exc):
                    raise CanaryExistsError(f"canary {canary.canary_id} already exists: nothing written") from exc
                reason = aws_error_code(exc) if isinstance(exc, ClientError) else str(exc)
                raise StoreError(f"create canary {canary.canary_id} failed on {self.table_name}: {reason}") from exc
            written += chunk

    def _forget(self, items: Sequence[codec.Item]) -> None:
        """Delete path items a failed `create` wrote (they are ours: each was put only where nothing was)."""
        for start in range(0, len(items), TRANSACTION_LIMIT):
            deletes: list[Any] = [
                {"Delete": {"TableName": self.table_name, "Key": {"pk": item["pk"], "sk": item["sk"]}}}
                for item in items[start : start + TRANSACTION_LIMIT]
            ]
            try:
                self._client.transact_write_items(TransactItems=deletes)
            except (ClientError, BotoCoreError):
                return  # best effort: leftovers have no canary item, so no reader sees them; TTL removes them
