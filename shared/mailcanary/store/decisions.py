"""Deciding a whole canary: passed or failed once every path is decided, or lost with its pending paths."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mailcanary.core.aws_errors import aws_error_code
from mailcanary.core.checks import CanaryState
from mailcanary.store import codec
from mailcanary.store.errors import StoreError, TransitionConflictError
from mailcanary.store.records import CanaryRecord, Effect, FailedCheck, owed
from mailcanary.store.schema import CANARY_SK, EFFECTS_OWED, PATH_SK_PREFIX
from mailcanary.store.table import PENDING, TRANSACTION_LIMIT, TableAccess

__all__ = ["SWEEP_OWES", "SWEEP_OWNER", "StoreDecisions"]

SWEEP_OWNER = "sweep"
SWEEP_OWES = (owed(Effect.METRICS, SWEEP_OWNER), owed(Effect.ALERT, SWEEP_OWNER))  # what a canary swept lost owes


class StoreDecisions(TableAccess):
    """The canary decisions of `CanaryStore`: each a transaction conditional on `pending`."""

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
        The canary's write records the sweep's metrics and alerts as owed (`Effect`, owner `sweep`) and keeps the
        canary listed in `by-pending` until `delivered_sweep` says they went out.
        """
        pending = {path.name: tuple(checks.get(path.name, ())) for path in canary.paths if not path.state.terminal}
        every_check = [check for path in canary.paths if path.state is CanaryState.LOST for check in path.failed_checks]
        every_check += [check for path_checks in pending.values() for check in path_checks]
        names, size = list(pending), TRANSACTION_LIMIT - 1
        ahead = max(len(names) - size, 0)  # paths written before the final transaction
        for start in range(0, ahead, size):
            chunk = {name: pending[name] for name in names[start : min(start + size, ahead)]}
            self._transact_decision(canary.canary_id, CanaryState.LOST, (), now=now, paths=chunk, canary=False)
        last = {name: pending[name] for name in names[ahead:]}
        self._transact_decision(canary.canary_id, CanaryState.LOST, every_check, now=now, paths=last, owes=SWEEP_OWES)

    def delivered_sweep(self, canary_id: str, tokens: Iterable[str], *, unlist: bool) -> None:
        """Forget a swept canary's delivered effects; with `unlist` (none is left) it leaves the sweeper's index."""
        done = sorted(set(tokens))
        actions = (["DELETE #owed :done"] if done else []) + (["REMOVE pending_shard"] if unlist else [])
        if not actions:
            return
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": self._key(canary_id, CANARY_SK),
            "UpdateExpression": " ".join(actions),
            "ConditionExpression": "attribute_exists(pk)",
        }
        if done:
            request |= {
                "ExpressionAttributeNames": {"#owed": EFFECTS_OWED},
                "ExpressionAttributeValues": {":done": {"SS": done}},
            }
        self._call(f"record delivered effects of {canary_id}", lambda: self._client.update_item(**request))

    def _transact_decision(
        self,
        canary_id: str,
        state: CanaryState,
        checks: Iterable[FailedCheck],
        *,
        now: datetime,
        paths: Mapping[str, Iterable[FailedCheck]],
        canary: bool = True,
        owes: tuple[str, ...] = (),
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
                    "ExpressionAttributeValues": PENDING
                    | {
                        ":state": {"S": state.value},
                        ":checks": codec.dump(codec.checks_value(item_checks)),
                        ":at": {"S": codec.iso(now)},
                        ":one": {"N": "1"},
                    },
                }
            }

        head = update(CANARY_SK, checks, " ADD #owed :owed" if owes else " REMOVE pending_shard")
        if owes:  # stays listed for the sweeper until what it owes is delivered
            head["Update"]["ExpressionAttributeNames"]["#owed"] = EFFECTS_OWED
            head["Update"]["ExpressionAttributeValues"][":owed"] = {"SS": list(owes)}
        items = [head] if canary else []
        items += [update(PATH_SK_PREFIX + name, path_checks) for name, path_checks in paths.items()]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if aws_error_code(exc) in {"TransactionCanceledException", "ConditionalCheckFailedException"}:
                raise TransitionConflictError(f"canary {canary_id} is no longer pending", current=None) from exc
            raise StoreError(f"deciding canary {canary_id} failed: {aws_error_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"deciding canary {canary_id} failed: {exc}") from exc
