"""CanaryStore against moto DynamoDB with the real table schema (both GSIs, TTL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from canary_tables import CANARY_TABLE, T0, canary_with

from mailcanary.core.checks import CanaryState, Check
from mailcanary.ses.events import BounceSubType, BounceType, EventType, RecipientStatus
from mailcanary.ses.simulator import ExpectedFate, Scenario, simulator_address
from mailcanary.store import (
    CanaryStore,
    FailedCheck,
    ObservedEvent,
    PathKind,
    StoreError,
    TransitionConflictError,
    new_canary,
    new_path,
)


def _delivery(key: str, address: str) -> ObservedEvent:
    return ObservedEvent(
        key=key,
        event_type=EventType.DELIVERY,
        timestamp=T0 + timedelta(seconds=3),
        destination=(address,),
        recipients=(RecipientStatus(address, "2.0.0", "delivered"),),
    )


def test_given_new_canary_when_created_then_it_reads_back_pending_with_both_paths(store: CanaryStore) -> None:
    # Given a canary with an API and an SMTP path
    canary = canary_with("c1", api=(Scenario.SUCCESS, Scenario.BOUNCE))
    # When it is stored and read back
    store.create(canary)
    loaded = store.get("c1")
    # Then it is the same record, pending, with expectations per recipient
    assert loaded == canary
    assert loaded is not None
    assert loaded.state is CanaryState.PENDING
    api = loaded.path("api")
    assert api is not None
    assert dict(api.expected) == {
        simulator_address(Scenario.SUCCESS, "c1"): ExpectedFate.DELIVERY,
        simulator_address(Scenario.BOUNCE, "c1"): ExpectedFate.BOUNCE,
    }


def test_given_existing_canary_id_when_created_again_then_store_error(store: CanaryStore) -> None:
    store.create(canary_with("c1"))
    with pytest.raises(StoreError):
        store.create(canary_with("c1"))


def test_given_unknown_canary_when_read_then_none(store: CanaryStore) -> None:
    assert store.get("nope") is None


def _located(store: CanaryStore, ses_message_id: str) -> tuple[str, str] | None:
    sent = store.find_send(ses_message_id)
    return (sent.canary_id, sent.path_name) if sent else None


def test_given_two_paths_when_looked_up_by_ses_message_id_then_each_path_is_found(store: CanaryStore) -> None:
    store.create(canary_with("c1"))
    assert _located(store, "c1-api") == ("c1", "api")
    assert _located(store, "c1-smtp") == ("c1", "smtp")
    assert store.find_send("someone-elses-message") is None


def test_given_path_without_message_id_when_created_then_it_is_not_in_the_index(store: CanaryStore) -> None:
    # Given an SMTP path created before it was sent (no SES message id yet)
    deadline = T0 + timedelta(minutes=15)
    rcpt = simulator_address(Scenario.SUCCESS, "c2")
    path = new_path("c2", "smtp", PathKind.SMTP, "localhost:587", deadline=deadline, envelope=[rcpt])
    store.create(new_canary("c2", [path], created_at=T0))
    assert store.find_send("c2-smtp") is None
    # When the send is recorded
    store.record_sends([path.sent_as("c2-smtp", T0 + timedelta(seconds=2))])
    # Then the message id finds the whole send, and the canary reads back with it attached to its path
    sent = store.find_send("c2-smtp")
    assert sent == path.sent_as("c2-smtp", T0 + timedelta(seconds=2))
    loaded = store.get("c2")
    assert loaded is not None
    assert loaded.path("smtp") == path.with_sent(sent)


def _unsent(canary_id: str, names: list[str]) -> list[Any]:
    deadline = T0 + timedelta(minutes=15)
    rcpt = simulator_address(Scenario.SUCCESS, canary_id)
    return [new_path(canary_id, name, PathKind.SMTP, name, deadline=deadline, envelope=[rcpt]) for name in names]


def test_given_many_unsent_paths_when_their_sends_are_recorded_together_then_each_is_attached_once(
    store: CanaryStore,
) -> None:
    # Given a canary with 60 unsent paths (more than one BatchWriteItem's 25 puts, so sends go in chunks)
    paths = _unsent("c3", [f"smtp:t{i}" for i in range(60)])
    store.create(new_canary("c3", paths, created_at=T0))
    # When all their sends are recorded in one call
    store.record_sends([path.sent_as(f"id-{path.name}", T0 + timedelta(seconds=2)) for path in paths])
    # Then every path carries its own message id and is found by it
    loaded = store.get("c3")
    assert loaded is not None
    assert {path.name: path.ses_message_id for path in loaded.paths} == {p.name: f"id-{p.name}" for p in paths}
    assert _located(store, "id-smtp:t59") == ("c3", "smtp:t59")
    # And recording the same sends again (a retry) changes nothing
    store.record_sends([path.sent_as(f"id-{path.name}", T0 + timedelta(seconds=2)) for path in paths])
    assert store.get("c3") == loaded


def test_given_one_path_already_decided_when_sends_are_recorded_together_then_no_state_moves(
    store: CanaryStore,
) -> None:
    # Given three unsent paths, one of them already decided (e.g. swept lost meanwhile)
    paths = _unsent("c4", ["a", "b", "c"])
    store.create(new_canary("c4", paths, created_at=T0))
    store.decide_path("c4", "b", CanaryState.LOST, [], now=T0)
    # When the three sends are recorded together
    store.record_sends([path.sent_as(f"id-{path.name}", T0) for path in paths])
    # Then every send is on record (a late event for the lost path is still matched, as late), and the decided
    # path did not move backwards: a send touches no state
    loaded = store.get("c4")
    assert loaded is not None
    assert {path.name: path.ses_message_id for path in loaded.paths} == {"a": "id-a", "b": "id-b", "c": "id-c"}
    assert [path.state for path in loaded.paths] == [CanaryState.PENDING, CanaryState.LOST, CanaryState.PENDING]


def test_given_event_when_recorded_twice_then_applied_once(store: CanaryStore) -> None:
    store.create(canary_with("c1"))
    event = _delivery("Delivery#a", simulator_address(Scenario.SUCCESS, "c1"))
    first = store.record_event("c1", "api", event)
    second = store.record_event("c1", "api", event)
    assert first.applied
    assert not second.applied
    assert first.path.events == (event,) == second.path.events
    assert second.path.version == first.path.version


def test_given_bounce_event_when_recorded_then_bounce_fields_round_trip(store: CanaryStore) -> None:
    store.create(canary_with("c1", api=(Scenario.BOUNCE,)))
    rcpt = simulator_address(Scenario.BOUNCE, "c1")
    event = ObservedEvent(
        key="Bounce#f1",
        event_type=EventType.BOUNCE,
        timestamp=None,
        destination=(rcpt,),
        recipients=(RecipientStatus(rcpt, "5.1.1", "failed", "smtp; 550 5.1.1 user unknown"),),
        bounce_type=BounceType.PERMANENT,
        bounce_subtype=BounceSubType.GENERAL,
    )
    assert store.record_event("c1", "api", event).path.events == (event,)


def test_given_unknown_path_when_event_recorded_then_store_error(store: CanaryStore) -> None:
    store.create(canary_with("c1"))
    with pytest.raises(StoreError):
        store.record_event("c1", "carrier-pigeon", _delivery("k", "a@example.com"))


def test_given_pending_path_when_decided_twice_then_second_is_a_conflict(store: CanaryStore) -> None:
    store.create(canary_with("c1"))
    failed = (FailedCheck(Check.OUTCOME_REJECT, "rejected"),)
    decision = store.decide_path("c1", "api", CanaryState.FAILED, failed, now=T0 + timedelta(seconds=5))
    assert (decision.path.state, decision.path.failed_checks) == (CanaryState.FAILED, failed)
    assert decision.open_paths == 1  # of the canary's two paths, smtp is still open
    with pytest.raises(TransitionConflictError) as conflict:
        store.decide_path("c1", "api", CanaryState.PASSED, (), now=T0 + timedelta(seconds=6))
    assert conflict.value.current is CanaryState.FAILED
    assert store.progress("c1") == (CanaryState.PENDING, 1)  # a refused decision counts nothing down
    with pytest.raises(ValueError, match="terminal"):
        store.decide_path("c1", "smtp", CanaryState.PENDING, (), now=T0)


def test_given_pending_canary_when_decided_then_it_leaves_the_pending_index_once(store: CanaryStore) -> None:
    store.create(canary_with("c1"))
    later = T0 + timedelta(hours=1)
    assert store.overdue(now=later, limit=10) == (["c1"], False)
    store.decide_canary("c1", CanaryState.PASSED, (), now=T0 + timedelta(seconds=9))
    assert store.overdue(now=later, limit=10) == ([], False)
    with pytest.raises(TransitionConflictError):
        store.decide_canary("c1", CanaryState.LOST, (), now=later)
    loaded = store.get("c1")
    assert loaded is not None
    assert (loaded.state, loaded.decided_at, loaded.version) == (CanaryState.PASSED, T0 + timedelta(seconds=9), 1)


def test_given_canaries_when_listing_overdue_then_only_past_deadline_within_limit(store: CanaryStore) -> None:
    for index in range(3):
        store.create(canary_with(f"old{index}", created_at=T0 + timedelta(seconds=index)))
    store.create(canary_with("fresh", created_at=T0 + timedelta(minutes=30)))
    now = T0 + timedelta(minutes=20)
    assert store.overdue(now=now, limit=10) == (["old0", "old1", "old2"], False)
    ids, more = store.overdue(now=now, limit=2)
    assert (ids, more) == (["old0", "old1"], True)


def test_given_one_path_passed_when_marked_lost_then_only_pending_paths_become_lost(store: CanaryStore) -> None:
    store.create(canary_with("c1"))
    store.decide_path("c1", "api", CanaryState.PASSED, (), now=T0 + timedelta(seconds=4))
    canary = store.get("c1")
    assert canary is not None
    lost = FailedCheck(Check.LOST, "no Delivery")
    store.mark_lost(canary, {"smtp": (lost,)}, now=T0 + timedelta(minutes=16))
    after = store.get("c1")
    assert after is not None
    assert after.state is CanaryState.LOST
    assert after.failed_checks == (lost,)
    assert [(path.name, path.state) for path in after.paths] == [
        ("api", CanaryState.PASSED),
        ("smtp", CanaryState.LOST),
    ]
    with pytest.raises(TransitionConflictError):
        store.mark_lost(canary, {}, now=T0 + timedelta(minutes=17))


def test_given_stale_copy_when_path_passed_meanwhile_then_mark_lost_is_refused_whole(store: CanaryStore) -> None:
    # Given the sweeper read the canary while both paths were pending
    store.create(canary_with("c1"))
    stale = store.get("c1")
    assert stale is not None
    # When a path passes before the sweeper writes
    store.decide_path("c1", "smtp", CanaryState.PASSED, (), now=T0 + timedelta(minutes=15, seconds=1))
    # Then marking lost from the stale copy changes nothing at all
    with pytest.raises(TransitionConflictError):
        store.mark_lost(stale, {}, now=T0 + timedelta(minutes=16))
    after = store.get("c1")
    assert after is not None
    assert after.state is CanaryState.PENDING
    assert [path.state for path in after.paths] == [CanaryState.PENDING, CanaryState.PASSED]


def test_given_created_canary_when_items_inspected_then_ttl_is_thirty_days(store: CanaryStore, dynamodb: Any) -> None:
    store.create(canary_with("c1"))
    items = dynamodb.query(
        TableName=CANARY_TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "c1"}}
    )["Items"]
    expected = int((T0 + timedelta(days=30)).timestamp())
    assert sorted(item["sk"]["S"] for item in items) == ["canary", "path#api", "path#smtp", "send#api", "send#smtp"]
    assert {int(item["expires_at"]["N"]) for item in items} == {expected}
    ttl = dynamodb.describe_time_to_live(TableName=CANARY_TABLE)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"


def test_given_malformed_item_when_read_then_store_error(store: CanaryStore, dynamodb: Any) -> None:
    store.create(canary_with("c1"))
    dynamodb.update_item(
        TableName=CANARY_TABLE,
        Key={"pk": {"S": "c1"}, "sk": {"S": "path#api"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues={":s": {"S": "exploded"}},
    )
    with pytest.raises(StoreError, match="malformed path item"):
        store.get("c1")


def test_given_naive_timestamp_when_canary_built_then_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        canary_with("c1", created_at=datetime(2026, 1, 1))


def test_given_missing_table_when_reading_then_store_error(dynamodb: Any) -> None:
    with pytest.raises(StoreError, match="no-such-table"):
        CanaryStore(dynamodb, "no-such-table").get("c1")


def test_given_deadline_with_fraction_when_built_then_rounded_up_to_whole_second() -> None:
    canary = canary_with("c1", created_at=datetime(2026, 1, 1, 0, 0, 0, 200_000, tzinfo=UTC))
    assert canary.deadline == datetime(2026, 1, 1, 0, 15, 1, tzinfo=UTC)


class _ThrottlingDynamoDB:
    """moto's DynamoDB, except that BatchWriteItem writes only its first request and hands the others back as
    `UnprocessedItems`, as DynamoDB does under throttling, for the first `throttled_calls` calls (moto never
    returns unprocessed items)."""

    def __init__(self, client: Any, throttled_calls: int) -> None:
        self._client = client
        self.throttled_calls = throttled_calls
        self.batch_sizes: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:  # boto3 keyword
        (table, requests), *_ = RequestItems.items()
        self.batch_sizes.append(len(requests))
        if self.throttled_calls <= 0:
            return dict(self._client.batch_write_item(RequestItems=RequestItems))
        self.throttled_calls -= 1
        self._client.batch_write_item(RequestItems={table: requests[:1]})
        return {"UnprocessedItems": {table: requests[1:]} if requests[1:] else {}}


def test_given_throttled_batch_writes_when_sends_are_recorded_then_the_unprocessed_ones_are_retried(
    dynamodb: Any,
) -> None:
    # Given DynamoDB handing back all but one item of the first two batch writes
    throttling = _ThrottlingDynamoDB(dynamodb, throttled_calls=2)
    store = CanaryStore(throttling, CANARY_TABLE)  # type: ignore[arg-type]
    paths = _unsent("c5", ["a", "b", "c", "d"])
    store.create(new_canary("c5", paths, created_at=T0))
    # When four sends are recorded
    store.record_sends([path.sent_as(f"id-{path.name}", T0) for path in paths])
    # Then only the unprocessed ones went again each time, and every send is on record
    assert throttling.batch_sizes == [4, 3, 2]
    loaded = store.get("c5")
    assert loaded is not None
    assert [path.ses_message_id for path in loaded.paths] == ["id-a", "id-b", "id-c", "id-d"]


def test_given_batch_writes_throttled_throughout_when_sends_are_recorded_then_store_error_not_silence(
    dynamodb: Any,
) -> None:
    # Given DynamoDB handing items back on every call
    throttling = _ThrottlingDynamoDB(dynamodb, throttled_calls=1_000)
    store = CanaryStore(throttling, CANARY_TABLE)  # type: ignore[arg-type]
    paths = _unsent("c6", [f"p{i}" for i in range(8)])
    store.create(new_canary("c6", paths, created_at=T0))
    # When the sends are recorded, Then the writer gives up after its bounded attempts with a StoreError
    with pytest.raises(StoreError, match="still unprocessed"):
        store.record_sends([path.sent_as(f"id-{path.name}", T0) for path in paths])
    assert throttling.batch_sizes == [8, 7, 6, 5, 4]
