"""Rounds read back in time order through the `by-created` index (moto DynamoDB, the real table schema)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from canary_tables import CANARY_TABLE, T0, canary_with

from mailcanary.core.checks import CanaryState, Check
from mailcanary.ses.events import EventType, RecipientStatus
from mailcanary.store import (
    BY_CREATED_INDEX,
    CanaryRecord,
    CanaryStore,
    FailedCheck,
    HistoryQueryError,
    HistoryTooLargeError,
    ObservedEvent,
    StoreError,
    list_canaries,
)


def _rounds(store: CanaryStore, count: int, *, every: timedelta = timedelta(minutes=1)) -> list[CanaryRecord]:
    """`count` canaries created `every` apart from T0, stored in a shuffled order (the index orders them)."""
    canaries = [canary_with(f"round-{n:03d}", created_at=T0 + n * every) for n in range(count)]
    for canary in canaries[1::2] + canaries[0::2]:
        store.create(canary)
    return canaries


def _ids(canaries: list[CanaryRecord]) -> list[str]:
    return [canary.canary_id for canary in canaries]


def _fail(store: CanaryStore, canary_id: str, path: str = "smtp", check: Check = Check.SMTP_SEQUENCE) -> None:
    failed = (FailedCheck(check, "503 5.5.1 need MAIL before RCPT"),)
    store.decide_path(canary_id, path, CanaryState.FAILED, failed, now=T0 + timedelta(hours=1))
    store.decide_canary(canary_id, CanaryState.FAILED, failed, now=T0 + timedelta(hours=1))


def test_given_rounds_stored_out_of_order_when_the_last_n_are_asked_then_the_newest_n_oldest_first(
    store: CanaryStore,
) -> None:
    # Given twelve rounds a minute apart, written in a shuffled order
    canaries = _rounds(store, 12)
    # When the last five are asked for
    shown = list_canaries(store, last=5)
    # Then they are the five newest, oldest first, each read whole (paths and sends)
    assert _ids(shown) == _ids(canaries[-5:])
    assert shown == canaries[-5:]


def test_given_rounds_when_a_window_is_asked_then_exactly_those_created_inside_it_inclusive(store: CanaryStore) -> None:
    canaries = _rounds(store, 10)
    # When the window runs from round 3's creation to round 6's (both bounds inclusive)
    shown = list_canaries(store, since=T0 + timedelta(minutes=3), until=T0 + timedelta(minutes=6))
    # Then rounds 3 to 6 are shown, in order
    assert _ids(shown) == _ids(canaries[3:7])
    # And a window with no end runs to the newest round
    assert _ids(list_canaries(store, since=T0 + timedelta(minutes=8))) == _ids(canaries[8:])


def test_given_rounds_when_the_last_n_before_a_time_are_asked_then_the_window_ends_there(store: CanaryStore) -> None:
    canaries = _rounds(store, 10)
    shown = list_canaries(store, last=3, until=T0 + timedelta(minutes=5, seconds=30))
    assert _ids(shown) == _ids(canaries[3:6])


def test_given_sub_millisecond_times_when_a_bound_falls_inside_a_millisecond_then_the_round_is_kept(
    store: CanaryStore,
) -> None:
    # Given a round created 0.4 ms into a millisecond
    created = T0 + timedelta(microseconds=400)
    store.create(canary_with("micro", created_at=created))
    # When the window starts exactly at that instant (or ends at it)
    # Then the round is inside it both ways: bounds compare at whole milliseconds, floored alike
    assert _ids(list_canaries(store, since=created, until=created)) == ["micro"]


def test_given_failed_and_passed_rounds_when_failed_only_then_among_the_last_n_only_the_failed(
    store: CanaryStore,
) -> None:
    canaries = _rounds(store, 6)
    _fail(store, canaries[1].canary_id)  # outside the last four
    _fail(store, canaries[4].canary_id)
    # When the failed ones among the last four rounds are asked for
    shown = list_canaries(store, last=4, failed_only=True)
    # Then only round 4, with its failed check and the evidence
    assert _ids(shown) == [canaries[4].canary_id]
    [round_four] = shown
    assert round_four.state is CanaryState.FAILED
    smtp = round_four.path("smtp")
    assert smtp is not None
    assert smtp.failed_checks == (FailedCheck(Check.SMTP_SEQUENCE, "503 5.5.1 need MAIL before RCPT"),)


def test_given_a_path_filter_when_listed_then_each_round_keeps_only_that_path(store: CanaryStore) -> None:
    canaries = _rounds(store, 3)
    store.create(canary_with("api-only", smtp=None, created_at=T0 + timedelta(minutes=10)))
    # When only the SMTP path is asked for, by its name or by its kind
    by_name = list_canaries(store, last=10, path="smtp")
    # Then every round that has it is shown with that path alone, and a round without it is left out
    assert _ids(by_name) == _ids(canaries)
    assert {path.name for canary in by_name for path in canary.paths} == {"smtp"}
    assert _ids(list_canaries(store, last=10, path="api")) == [*_ids(canaries), "api-only"]


def test_given_a_path_and_failed_only_when_listed_then_only_rounds_where_that_path_failed(store: CanaryStore) -> None:
    canaries = _rounds(store, 3)
    _fail(store, canaries[0].canary_id, path="smtp")
    _fail(store, canaries[2].canary_id, path="api", check=Check.SES_API)
    # When the failed SMTP paths are asked for
    shown = list_canaries(store, last=3, path="smtp", failed_only=True)
    # Then only round 0 (round 2 failed on its API path, whose failure is not asked for)
    assert _ids(shown) == [canaries[0].canary_id]


def test_given_a_delivery_event_when_listed_then_the_event_is_on_the_path(store: CanaryStore) -> None:
    [canary] = _rounds(store, 1)
    api = canary.path("api")
    assert api is not None
    event = ObservedEvent(
        key="delivery-1",
        event_type=EventType.DELIVERY,
        timestamp=T0 + timedelta(seconds=4),
        destination=api.envelope,
        recipients=tuple(RecipientStatus(address, "2.0.0") for address in api.envelope),
    )
    store.record_event(canary.canary_id, "api", event)
    [shown] = list_canaries(store, last=1)
    shown_api = shown.path("api")
    assert shown_api is not None
    assert shown_api.events == (event,)


def test_given_a_window_holding_more_than_the_bound_when_listed_then_a_typed_error_not_a_partial_list(
    store: CanaryStore,
) -> None:
    _rounds(store, 5)
    # When a window holding five rounds is read with a bound of four
    # Then it is refused, naming what to do, instead of silently cut short
    with pytest.raises(HistoryTooLargeError, match="narrow it"):
        list_canaries(store, since=T0, max_rounds=4)
    # And exactly at the bound it is read whole
    assert len(list_canaries(store, since=T0, max_rounds=5)) == 5


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "say which rounds"),
        ({"last": 3, "since": T0}, "not both"),
        ({"last": 0}, "between 1 and"),
        ({"since": T0, "until": T0 - timedelta(seconds=1)}, "since is after until"),
        ({"since": datetime(2026, 3, 2, 9, 0)}, "time zone"),
    ],
)
def test_given_bad_arguments_when_listed_then_a_typed_error_before_any_read(
    dynamodb: Any, arguments: dict[str, Any], message: str
) -> None:
    # Given a store on a table that does not exist (any read would fail with a StoreError)
    store = CanaryStore(dynamodb, "no-such-table")
    # When the query itself is malformed
    # Then HistoryQueryError says why, and nothing was read
    with pytest.raises(HistoryQueryError, match=message):
        list_canaries(store, **arguments)


def test_given_a_missing_table_when_listed_then_a_store_error_naming_it(dynamodb: Any) -> None:
    with pytest.raises(StoreError, match="no-such-table"):
        list_canaries(CanaryStore(dynamodb, "no-such-table"), last=3)


def test_given_a_created_canary_when_its_items_are_read_then_only_the_canary_item_is_in_the_index(
    store: CanaryStore, dynamodb: Any
) -> None:
    # Given one canary with two sent paths (a canary item, two path items, two send items)
    store.create(canary_with("indexed", created_at=datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)))
    # When the index is queried directly
    reply = dynamodb.query(
        TableName=CANARY_TABLE,
        IndexName=BY_CREATED_INDEX,
        KeyConditionExpression="history_shard = :shard",
        ExpressionAttributeValues={":shard": {"S": "canary"}},
    )
    # Then it lists the canary item alone, keyed by its creation in whole milliseconds
    assert [(item["pk"]["S"], item["sk"]["S"]) for item in reply["Items"]] == [("indexed", "canary")]
    whole_second = int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp())
    assert reply["Items"][0]["created_ms"] == {"N": str(whole_second * 1000 + 123)}
