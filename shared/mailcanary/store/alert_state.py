"""The alerts' deduplication state, in the canary table beside the canary records.

One item per open failure, keyed by (path, check): `pk="alert#<path>#<check>"`, `sk="alert"` (`store.schema`).
Opening it is a single atomic update, so two rounds running at once still alert exactly once; a passing
verdict deletes it, so the next failure alerts again. Items expire (`expires_at`, the table's TTL) a week
after the failure was last seen, so a path removed from the configuration leaves nothing behind. DynamoDB's
errors become `StoreError`, as everywhere in the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mailcanary.store.schema import ALERT_PK_PREFIX, ALERT_SK
from mailcanary.store.table import TableAccess

__all__ = ["STATE_TTL_SECONDS", "AlertState", "DynamoAlertState", "OpenAlerts"]

STATE_TTL_SECONDS = 7 * 24 * 3600
_BATCH_GET_LIMIT = 100  # DynamoDB's maximum keys per BatchGetItem
_BATCH_GET_ATTEMPTS = 3  # keys DynamoDB leaves unprocessed are asked again, then counted as open


@dataclass(frozen=True)
class OpenAlerts:
    """Which of the `checked` (path, check) pairs had an open failure when read, for clearing only those.

    A passing verdict whose pair was checked and found closed needs no write; a pair that was not checked
    (or that the read could not settle) is cleared with a delete, as without this read.
    """

    checked: frozenset[tuple[str, str]] = frozenset()
    open: frozenset[tuple[str, str]] = frozenset()

    def known_closed(self, path: str, check: str) -> bool:
        return (path, check) in self.checked and (path, check) not in self.open


class AlertState:
    """Where open failures are remembered. `open` returns True only for the caller that opened it."""

    def open_among(self, keys: Iterable[tuple[str, str]]) -> OpenAlerts:
        """Which of these (path, check) pairs are open now; by default none is known (every pass deletes)."""
        return OpenAlerts()

    def open(self, path: str, check: str, canary_id: str) -> bool:
        raise NotImplementedError

    def close(self, path: str, check: str) -> bool:
        """Forget an open failure; True when there was one."""
        raise NotImplementedError


class DynamoAlertState(TableAccess, AlertState):
    """Open failures as items in the canary table (pk S, sk S, TTL attribute `expires_at`)."""

    def open(self, path: str, check: str, canary_id: str) -> bool:
        now = int(time.time())
        reply = self._call(
            f"recording the open failure {path} {check}",
            lambda: self._client.update_item(
                TableName=self.table_name,
                Key=_key(path, check),
                UpdateExpression=(
                    "SET first_canary_id = if_not_exists(first_canary_id, :canary), "
                    "opened_at = if_not_exists(opened_at, :now), last_canary_id = :canary, last_seen_at = :now, "
                    "expires_at = :expires ADD occurrences :one"
                ),
                ExpressionAttributeValues={
                    ":canary": {"S": canary_id},
                    ":now": {"N": str(now)},
                    ":expires": {"N": str(now + STATE_TTL_SECONDS)},
                    ":one": {"N": "1"},
                },
                ReturnValues="UPDATED_OLD",
            ),
        )
        return "occurrences" not in reply.get("Attributes", {})

    def open_among(self, keys: Iterable[tuple[str, str]]) -> OpenAlerts:
        """One strongly consistent BatchGetItem per 100 pairs (instead of a delete per passing check)."""
        wanted = sorted(set(keys))
        found: set[tuple[str, str]] = set()
        unsettled: set[tuple[str, str]] = set()
        for start in range(0, len(wanted), _BATCH_GET_LIMIT):
            pending = [_key(path, check) for path, check in wanted[start : start + _BATCH_GET_LIMIT]]
            for _ in range(_BATCH_GET_ATTEMPTS):
                request: Any = {
                    self.table_name: {"Keys": pending, "ConsistentRead": True, "ProjectionExpression": "pk"}
                }
                reply: Any = self._call("reading the open failures", _batch_get(self._client, request))
                found |= {_pair(item["pk"]["S"]) for item in reply.get("Responses", {}).get(self.table_name, [])}
                pending = reply.get("UnprocessedKeys", {}).get(self.table_name, {}).get("Keys", [])
                if not pending:
                    break
            unsettled |= {_pair(key["pk"]["S"]) for key in pending}
        return OpenAlerts(frozenset(wanted) - unsettled, frozenset(found))

    def close(self, path: str, check: str) -> bool:
        reply = self._call(
            f"clearing the failure {path} {check}",
            lambda: self._client.delete_item(TableName=self.table_name, Key=_key(path, check), ReturnValues="ALL_OLD"),
        )
        return bool(reply.get("Attributes"))


def _batch_get(client: Any, request: Any) -> Callable[[], Any]:
    return lambda: client.batch_get_item(RequestItems=request)


def _key(path: str, check: str) -> dict[str, Any]:
    return {"pk": {"S": f"{ALERT_PK_PREFIX}{path}#{check}"}, "sk": {"S": ALERT_SK}}


def _pair(pk: str) -> tuple[str, str]:
    """(path, check) back from an alert item's pk; a check name never contains '#', a path name may."""
    path, _, check = pk.removeprefix(ALERT_PK_PREFIX).rpartition("#")
    return path, check
