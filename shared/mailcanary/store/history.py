"""Reading rounds back in time order: the `by-created` index lists canary ids, each canary is then read whole.

"The last N rounds" is one Query on the index (newest first, `Limit` N); "the rounds between two times" one Query
with `created_ms BETWEEN` (paged, bounded). Each listed canary is then read with the store's strongly consistent
`get` (its paths, sends and SES events), a few at a time. Why the index looks as it does: `store.schema`.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from mailcanary.core.checks import CanaryState
from mailcanary.store import codec
from mailcanary.store.errors import HistoryQueryError, HistoryTooLargeError
from mailcanary.store.reads import StoreReads
from mailcanary.store.records import CanaryRecord, PathRecord
from mailcanary.store.schema import BY_CREATED_INDEX, CREATED_MS, HISTORY_SHARD, HISTORY_SHARD_ATTRIBUTE

__all__ = ["DEFAULT_MAX_ROUNDS", "HistoryQuery", "StoreHistory", "list_canaries"]

DEFAULT_MAX_ROUNDS = 2_000  # rounds one call reads whole (a day and a half at one a minute); a wider window is refused
_FAILED_STATES = frozenset({CanaryState.FAILED, CanaryState.LOST})
_READERS = 8  # canaries read at once: the reads wait on the network, not on this process
_MAX_INDEX_PAGES = 64  # a KEYS_ONLY page of 1 MB holds thousands of entries: far above DEFAULT_MAX_ROUNDS


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """Which rounds: the `last` N (up to `until` when given), or those created in [`since`, `until`].

    `path` keeps, of each round, only the paths named so (`api`, `smtp:lab`) or of that kind (`smtp`), and only
    rounds that have one; `failed_only` keeps rounds (and, with `path`, paths) that failed or were lost. Both
    narrow the rounds `last` chose: `last=20, failed_only=True` is "the failed ones among the last 20 rounds".
    """

    last: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    path: str | None = None
    failed_only: bool = False
    max_rounds: int = DEFAULT_MAX_ROUNDS

    def __post_init__(self) -> None:
        if self.last is not None and self.since is not None:
            raise HistoryQueryError("choose either the last N rounds or a window starting at a time, not both")
        if self.last is None and self.since is None:
            raise HistoryQueryError("say which rounds: the last N, or since a time")
        if self.last is not None and not 1 <= self.last <= self.max_rounds:
            raise HistoryQueryError(f"the last N rounds: N must be between 1 and {self.max_rounds}")
        for name, moment in (("since", self.since), ("until", self.until)):
            if moment is not None and moment.tzinfo is None:
                raise HistoryQueryError(f"{name} must carry a time zone")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise HistoryQueryError("since is after until: the window is empty")

    def keeps(self, canary: CanaryRecord) -> CanaryRecord | None:
        """`canary` narrowed to the paths asked for, or None when it is not shown at all."""
        if self.path is not None:
            paths = tuple(path for path in canary.paths if _named(path, self.path))
            if self.failed_only:
                paths = tuple(path for path in paths if path.state in _FAILED_STATES)
            return replace(canary, paths=paths) if paths else None
        if self.failed_only and canary.state not in _FAILED_STATES:
            return None
        return canary


def _named(path: PathRecord, wanted: str) -> bool:
    return path.name == wanted or path.kind.value == wanted


class StoreHistory(StoreReads):
    """The history reads of `CanaryStore`: canary ids from `by-created`, then each canary whole."""

    def history(self, query: HistoryQuery) -> list[CanaryRecord]:
        """The rounds `query` asks for, oldest first (see `HistoryQuery`).

        A window holding more than `query.max_rounds` rounds raises `HistoryTooLargeError` (narrow it, or ask
        for the last N). A canary listed but gone by the time it is read (its TTL expired) is left out.
        """
        ids = list(self._history_ids(query))
        workers = max(1, min(_READERS, len(ids)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="canary-history") as pool:
            canaries = list(pool.map(self.get, ids))
        kept = (query.keeps(canary) for canary in canaries if canary is not None)
        return [canary for canary in kept if canary is not None]

    def _history_ids(self, query: HistoryQuery) -> Iterator[str]:
        """Canary ids, oldest first."""
        values: dict[str, Any] = {":shard": {"S": HISTORY_SHARD}}
        if query.since is not None:
            condition = f"{HISTORY_SHARD_ATTRIBUTE} = :shard AND {CREATED_MS} BETWEEN :since AND :until"
            values[":since"] = {"N": str(codec.epoch_ms(query.since))}
            values[":until"] = {"N": str(codec.epoch_ms(query.until) if query.until else _FAR_FUTURE_MS)}
        elif query.until is not None:
            condition = f"{HISTORY_SHARD_ATTRIBUTE} = :shard AND {CREATED_MS} <= :until"
            values[":until"] = {"N": str(codec.epoch_ms(query.until))}
        else:
            condition = f"{HISTORY_SHARD_ATTRIBUTE} = :shard"
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": BY_CREATED_INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": query.last is None,  # the last N: newest first, then turned round
        }
        wanted = query.last if query.last is not None else query.max_rounds + 1  # one more shows the window is full
        found: list[str] = []
        for _ in range(_MAX_INDEX_PAGES):
            request["Limit"] = wanted - len(found)
            response = self._query("list rounds", request)
            found += [item["pk"]["S"] for item in response.get("Items", [])]
            start = response.get("LastEvaluatedKey")
            if not start or len(found) >= wanted:
                break
            request["ExclusiveStartKey"] = start
        if query.last is None and len(found) > query.max_rounds:
            raise HistoryTooLargeError(
                f"the window holds more than {query.max_rounds} rounds: narrow it, or ask for the last N rounds"
            )
        return iter(reversed(found) if query.last is not None else found)


_FAR_FUTURE_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: "until now and later"


def list_canaries(
    store: StoreHistory,
    *,
    last: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    path: str | None = None,
    failed_only: bool = False,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
) -> list[CanaryRecord]:
    """The rounds of `store` in time order (oldest first), each with its paths, states, failed checks and events.

    `last` N rounds (before `until`, if given), or the rounds created from `since` to `until` (inclusive;
    `until` defaults to now and later); `path` and `failed_only` narrow them (`HistoryQuery`). Bad arguments
    raise `HistoryQueryError`, a window of more than `max_rounds` rounds `HistoryTooLargeError`, a failed read
    `StoreError`.
    """
    query = HistoryQuery(last, since, until, path, failed_only, max_rounds)
    return store.history(query)
