"""A path's writes: its send item (a fact, written once), and conditional updates of the SES events seen for it
and of its decision (each exactly once)."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mailcanary.core.aws_errors import aws_error_code
from mailcanary.core.checks import CanaryState
from mailcanary.store import codec
from mailcanary.store.arrival_codec import arrival_value
from mailcanary.store.errors import StoreError, TransitionConflictError
from mailcanary.store.reads import StoreReads
from mailcanary.store.records import Effect, FailedCheck, ObservedArrival, ObservedEvent, PathRecord, SentMessage, owed
from mailcanary.store.schema import CANARY_SK, COUNTED_PATHS, EFFECTS_OWED, OPEN_PATHS, PATH_SK_PREFIX
from mailcanary.store.table import PENDING

__all__ = ["BATCH_WRITE_LIMIT", "UNPROCESSED_ATTEMPTS", "PathDecision", "RecordedEvent", "StorePathUpdates"]

BATCH_WRITE_LIMIT = 25  # DynamoDB's maximum put requests per BatchWriteItem
UNPROCESSED_ATTEMPTS = 5  # calls per batch while DynamoDB hands items back unprocessed
UNPROCESSED_BACKOFF_SECONDS = 0.05  # doubled after each such call: 0.05 + 0.1 + 0.2 + 0.4 s at most


@dataclass(frozen=True, slots=True)
class PathDecision:
    """A path just decided, and how many paths of its canary are still open (None: not counted)."""

    path: PathRecord
    open_paths: int | None


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """The path after recording one SES event; `applied` is False when that event was already on record."""

    path: PathRecord
    applied: bool


class StorePathUpdates(StoreReads):
    """The path writes of `CanaryStore` (a conflict re-reads the path, hence the read side underneath)."""

    def record_sends(self, sends: Sequence[SentMessage]) -> None:
        """Store what each path really sent (message id, envelope, expectations) as its send item.

        A send is a fact written once, right after the send, beside the path item it belongs to; the path's
        state is not touched (its conditional writes stay the only way it moves). Re-recording the same send
        writes the same item again, so a retry is harmless. Many sends go in few calls: `BatchWriteItem`, 25
        items per call, each billed as one write (a transaction would bill two per item and, being atomic,
        would let one refused path hold back every other). Items DynamoDB returns unprocessed (throttling) are
        retried with a short backoff; any still unwritten after that raise `StoreError`, never silently lost.
        """
        for start in range(0, len(sends), BATCH_WRITE_LIMIT):
            chunk = sends[start : start + BATCH_WRITE_LIMIT]
            requests: list[Any] = [
                {"PutRequest": {"Item": codec.send_item(sent, expires_at=sent.sent_at + self._retention)}}
                for sent in chunk
            ]
            for attempt in range(UNPROCESSED_ATTEMPTS):
                response = self._call(
                    f"record {len(requests)} sends of {chunk[0].canary_id}",
                    functools.partial(self._client.batch_write_item, RequestItems={self.table_name: requests}),
                )
                requests = list(response.get("UnprocessedItems", {}).get(self.table_name, []))
                if not requests:
                    break
                if attempt < UNPROCESSED_ATTEMPTS - 1:
                    time.sleep(UNPROCESSED_BACKOFF_SECONDS * 2**attempt)
            else:
                raise StoreError(
                    f"recording sends of {chunk[0].canary_id} failed on {self.table_name}: {len(requests)} still "
                    f"unprocessed after {UNPROCESSED_ATTEMPTS} attempts"
                )

    def record_event(
        self, canary_id: str, path_name: str, event: ObservedEvent, *, owes: Iterable[str] = ()
    ) -> RecordedEvent:
        """Add one SES event to a path unless an event with the same key is already there.

        `owes` (`records.owed` tokens) is added to the path's `effects_owed` in the same conditional write, so
        what recording the event owes is on record exactly when the event is.
        """
        names = {"#key": event.key, "#owed": EFFECTS_OWED}
        values = {":event": codec.dump(codec.event_value(event)), ":one": {"N": "1"}}
        expression = "SET events.#key = :event, version = version + :one"
        if owes := set(owes):
            values[":owed"] = {"SS": sorted(owes)}
            expression += " ADD #owed :owed"
        else:
            del names["#owed"]
        try:
            path = self._update_path(
                canary_id,
                path_name,
                expression,
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

    def record_arrival(
        self, canary_id: str, path_name: str, arrival: ObservedArrival, *, owes: Iterable[str] = ()
    ) -> RecordedEvent:
        """Add one arrival to a path unless an arrival with the same key is already there (as `record_event`).

        `owes` goes into the path's `effects_owed` in the same conditional write. The path item must carry the
        `arrivals` map, which every path item written by this version does.
        """
        names = {"#key": arrival.key, "#owed": EFFECTS_OWED}
        values = {":arrival": codec.dump(arrival_value(arrival)), ":one": {"N": "1"}}
        expression = "SET arrivals.#key = :arrival, version = version + :one"
        if owes := set(owes):
            values[":owed"] = {"SS": sorted(owes)}
            expression += " ADD #owed :owed"
        else:
            del names["#owed"]
        condition = "attribute_exists(pk) AND attribute_exists(arrivals) AND attribute_not_exists(arrivals.#key)"
        try:
            path = self._update_path(canary_id, path_name, expression, condition, names, values)
        except TransitionConflictError:
            current = self._get_path(canary_id, path_name)
            if current is None:
                raise StoreError(f"canary {canary_id} has no path {path_name!r}") from None
            return RecordedEvent(current, applied=False)
        return RecordedEvent(path, applied=True)

    def decide_path(
        self,
        canary_id: str,
        path_name: str,
        state: CanaryState,
        checks: Iterable[FailedCheck],
        *,
        now: datetime,
        owes: Iterable[str] = (),
    ) -> PathDecision:
        """Move a pending path to a terminal state; `TransitionConflictError` if it already left `pending`.

        The same conditional write records `owes` and the count-down (`Effect.COUNT_DOWN`) as owed on the path.
        Then counts the canary's `open_paths` down (`count_down`) and returns what is left (see `store.schema`):
        the decider that reaches 0 is the one that must settle the canary. With `owes`, the caller forgets the
        count-down with the rest once delivered; without, it is forgotten here.
        """
        if not state.terminal:
            raise ValueError("a path can only be decided into a terminal state")
        names = {"#state": "state", "#owed": EFFECTS_OWED}
        values = PENDING | {
            ":state": {"S": state.value},
            ":checks": codec.dump(codec.checks_value(checks)),
            ":at": {"S": codec.iso(now)},
            ":one": {"N": "1"},
            ":owed": {"SS": sorted({*owes, owed(Effect.COUNT_DOWN)})},
        }
        path = self._update_path(
            canary_id,
            path_name,
            "SET #state = :state, failed_checks = :checks, decided_at = :at, version = version + :one ADD #owed :owed",
            "#state = :pending",
            names,
            values,
        )
        left = self.count_down(canary_id, path_name)
        if not owes:  # a caller that owes nothing else (the round) would never forget the count-down: do it now
            self.delivered(canary_id, path_name, (owed(Effect.COUNT_DOWN),))
        return PathDecision(path, left)

    def count_down(self, canary_id: str, path_name: str) -> int | None:
        """One fewer open path on the canary item, at most once per path; what is left, or None when nothing was
        counted (this path was counted already, the item has no count, or it is gone).

        The path's name goes into `counted_paths` in the same conditional update, so a retry after a crash
        between the decision and this write counts it down now, and a second retry does not count it twice.
        """
        try:
            response = self._client.update_item(
                TableName=self.table_name,
                Key=self._key(canary_id, CANARY_SK),
                UpdateExpression="ADD #open :minus_one, #counted :path",
                ConditionExpression="attribute_exists(#open) AND NOT contains(#counted, :name)",
                ExpressionAttributeNames={"#open": OPEN_PATHS, "#counted": COUNTED_PATHS},
                ExpressionAttributeValues={
                    ":minus_one": {"N": "-1"},
                    ":path": {"SS": [path_name]},
                    ":name": {"S": path_name},
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if aws_error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise StoreError(f"counting down open paths of {canary_id} failed: {aws_error_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"counting down open paths of {canary_id} failed: {exc}") from exc
        return int(response["Attributes"][OPEN_PATHS]["N"])

    def delivered(self, canary_id: str, path_name: str, tokens: Iterable[str]) -> None:
        """Forget effects of a path that have been delivered (deleting a token no longer there is harmless)."""
        done = sorted(set(tokens))
        if not done:
            return
        self._call(
            f"record delivered effects of {canary_id}/{path_name}",
            lambda: self._client.update_item(
                TableName=self.table_name,
                Key=self._key(canary_id, PATH_SK_PREFIX + path_name),
                UpdateExpression="DELETE #owed :done",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#owed": EFFECTS_OWED},
                ExpressionAttributeValues={":done": {"SS": done}},
            ),
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
            if aws_error_code(exc) == "ConditionalCheckFailedException":
                current = self._get_path(canary_id, path_name)
                state = current.state if current else None
                raise TransitionConflictError(f"path {canary_id}/{path_name} refused the write", current=state) from exc
            raise StoreError(f"updating path {canary_id}/{path_name} failed: {aws_error_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"updating path {canary_id}/{path_name} failed: {exc}") from exc
        return codec.path_from_item(response["Attributes"])
