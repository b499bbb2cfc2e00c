"""Canaries with more paths than one DynamoDB transaction holds (100 actions): created, decided and swept whole."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from canary_tables import CANARY_TABLE, T0, delivery

from mailcanary.core.checks import CanaryState, Check
from mailcanary.decide.reconcile import handle
from mailcanary.decide.sweep import sweep
from mailcanary.report.observability import MetricName
from mailcanary.ses.simulator import Scenario, simulator_address
from mailcanary.store import (
    CanaryExistsError,
    CanaryRecord,
    CanaryStore,
    FailedCheck,
    PathKind,
    StoreError,
    TransitionConflictError,
    new_canary,
    new_path,
)

MANY = 150  # 99+ SMTP targets: more path items than one transaction's 100 actions
AFTER_DEADLINE = T0 + timedelta(minutes=16)


def _many(canary_id: str, count: int = MANY, *, prefix: str = "smtp:t") -> CanaryRecord:
    """A canary with `count` SMTP paths, each already sent (message id `<id>-<n>`) to the success simulator."""
    deadline = T0 + timedelta(minutes=15)
    rcpt = simulator_address(Scenario.SUCCESS, canary_id)
    paths = [
        new_path(
            canary_id,
            f"{prefix}{index:03d}",
            PathKind.SMTP,
            f"mx{index}.example.test:25",
            deadline=deadline,
            envelope=[rcpt],
            ses_message_id=f"{canary_id}-{index:03d}",
            sent_at=T0 + timedelta(seconds=1),
        )
        for index in range(count)
    ]
    return new_canary(canary_id, paths, created_at=T0)


def _items_under(dynamodb: Any, canary_id: str) -> int:
    pages = dynamodb.get_paginator("query").paginate(
        TableName=CANARY_TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": canary_id}}
    )
    return sum(page["Count"] for page in pages)


def _states(store: CanaryStore, canary_id: str) -> tuple[CanaryState, Counter[CanaryState]]:
    canary = store.get(canary_id)
    assert canary is not None
    return canary.state, Counter(path.state for path in canary.paths)


def test_given_150_paths_when_created_then_the_canary_reads_back_whole_and_pending(
    store: CanaryStore, dynamodb: Any
) -> None:
    # Given a canary with 150 paths
    canary = _many("big")
    # When it is created
    store.create(canary)
    # Then it reads back exactly, with one canary item, 150 path items and their 150 send items (the paths
    # were created already sent), each findable by message id
    assert store.get("big") == canary
    assert _items_under(dynamodb, "big") == 2 * MANY + 1
    sent = store.find_send("big-149")
    assert sent is not None
    assert (sent.canary_id, sent.path_name) == ("big", "smtp:t149")
    # and it is listed once the deadline has passed, like any canary
    assert store.overdue(now=AFTER_DEADLINE, limit=10) == (["big"], False)


def test_given_existing_150_path_canary_when_created_again_then_refused_and_first_intact(
    store: CanaryStore, dynamodb: Any
) -> None:
    # Given a 150-path canary
    first = _many("big")
    store.create(first)
    # When a canary with the same id (other path names, so its first puts would not collide) is created
    with pytest.raises(CanaryExistsError, match="big"):
        store.create(_many("big", prefix="smtp:other"))
    # Then the first canary is untouched and no item was added under its id
    assert store.get("big") == first
    assert _items_under(dynamodb, "big") == 2 * MANY + 1


def test_given_small_canary_when_a_150_path_one_reuses_its_id_then_nothing_is_written(
    store: CanaryStore, dynamodb: Any
) -> None:
    # Given a one-path canary
    small = _many("c1", 1)
    store.create(small)
    # When a 150-path canary is created under the same id
    with pytest.raises(CanaryExistsError):
        store.create(_many("c1", prefix="smtp:other"))
    # Then still only the small canary's three items (canary, path, send) are there
    assert store.get("c1") == small
    assert _items_under(dynamodb, "c1") == 3


def test_given_duplicate_id_when_created_then_the_error_is_still_a_store_error(store: CanaryStore) -> None:
    # Given / When a canary id is created twice, Then callers catching StoreError still catch it
    store.create(_many("c1", 2))
    with pytest.raises(StoreError):
        store.create(_many("c1", 2))


def test_given_150_paths_when_the_last_is_delivered_then_the_canary_passes_once(store: CanaryStore) -> None:
    # Given a created 150-path canary whose first 149 paths have passed (decided directly)
    canary = _many("big")
    store.create(canary)
    now = T0 + timedelta(seconds=30)
    for path in canary.paths[:-1]:
        store.decide_path("big", path.name, CanaryState.PASSED, (), now=now)
    assert _states(store, "big") == (
        CanaryState.PENDING,
        Counter({CanaryState.PASSED: MANY - 1, CanaryState.PENDING: 1}),
    )
    # When SES reports the Delivery of the last path
    report = handle([delivery(canary, canary.paths[-1].name)], store=store, now=now)
    # Then every path passed and the canary passed exactly once, leaving the pending index
    assert _states(store, "big") == (CanaryState.PASSED, Counter({CanaryState.PASSED: MANY}))
    assert [t.state for t in report.transitions if t.path is None] == [CanaryState.PASSED]
    assert store.overdue(now=AFTER_DEADLINE, limit=10) == ([], False)


def test_given_150_pending_paths_when_swept_then_all_are_lost_and_each_counts_once(store: CanaryStore) -> None:
    # Given a 150-path canary where one path passed and the rest never heard back
    canary = _many("big")
    store.create(canary)
    handle([delivery(canary, "smtp:t000")], store=store, now=T0 + timedelta(seconds=30))
    # When the sweeper runs past the deadline
    report = sweep(store=store, now=AFTER_DEADLINE)
    # Then the 149 pending paths and the canary are lost, the passed path keeps its verdict
    assert _states(store, "big") == (CanaryState.LOST, Counter({CanaryState.LOST: MANY - 1, CanaryState.PASSED: 1}))
    assert report.lost == ("big",)
    assert len(report.alerts) == MANY - 1
    assert Counter(m.name for m in report.metrics)[MetricName.CHECK_FAILED] == MANY - 1
    stored = store.get("big")
    assert stored is not None
    assert Counter(failed.check for failed in stored.failed_checks) == Counter({Check.LOST: MANY - 1})
    # and a second sweep finds nothing left to do
    assert sweep(store=store, now=AFTER_DEADLINE).examined == 0


def test_given_mark_lost_refused_midway_when_swept_then_the_paths_it_already_wrote_are_counted(
    store: CanaryStore,
) -> None:
    # Given a stale copy of a 150-path canary, and a path of its final transaction passing meanwhile
    canary = _many("big")
    store.create(canary)
    handle([delivery(canary, "smtp:t149")], store=store, now=T0 + timedelta(seconds=30))
    lost = {path.name: (FailedCheck(Check.LOST, "stale"),) for path in canary.paths}
    # When mark_lost works from the stale copy
    with pytest.raises(TransitionConflictError):
        store.mark_lost(canary, lost, now=AFTER_DEADLINE)
    # Then the paths written before the refused transaction are lost, the canary is still pending and listed
    state, paths = _states(store, "big")
    assert state is CanaryState.PENDING
    assert paths[CanaryState.PASSED] == 1
    assert 0 < paths[CanaryState.LOST] < MANY - 1
    assert store.overdue(now=AFTER_DEADLINE, limit=10) == (["big"], False)
    # When the sweeper runs
    report = sweep(store=store, now=AFTER_DEADLINE)
    # Then it finishes the job and counts every lost path once, including those left lost before
    assert _states(store, "big") == (CanaryState.LOST, Counter({CanaryState.LOST: MANY - 1, CanaryState.PASSED: 1}))
    assert len([t for t in report.transitions if t.path is not None]) == MANY - 1
    assert Counter(m.name for m in report.metrics)[MetricName.CHECK_FAILED] == MANY - 1


def test_given_150_paths_when_each_is_delivered_then_the_whole_canary_is_read_once(
    store: CanaryStore, dynamodb: Any
) -> None:
    # Given a created 150-path canary, and every read of a whole canary counted (a Query of the table itself,
    # as opposed to the message-id index)
    canary = _many("big")
    store.create(canary)
    whole_reads: list[str] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        if "IndexName" not in params:
            whole_reads.append(params["TableName"])

    dynamodb.meta.events.register("provide-client-params.dynamodb.Query", count)
    # When SES reports the Delivery of every path, one event at a time
    now = T0 + timedelta(seconds=30)
    reports = [handle([delivery(canary, path.name)], store=store, now=now) for path in canary.paths]
    # Then only the decision closing the last open path read the whole canary, and the canary passed once
    assert whole_reads == [CANARY_TABLE]
    assert _states(store, "big") == (CanaryState.PASSED, Counter({CanaryState.PASSED: MANY}))
    assert [t.state for report in reports for t in report.transitions if t.path is None] == [CanaryState.PASSED]


def test_given_a_decision_whose_count_down_was_lost_when_swept_then_the_canary_passes_not_lost(
    store: CanaryStore, dynamodb: Any
) -> None:
    # Given a 3-path canary whose first path was decided by a writer that stopped before counting down (a crash
    # between the two writes), so the canary's count says 1 path is open when none is
    canary = _many("c1", 3)
    store.create(canary)
    dynamodb.update_item(
        TableName=CANARY_TABLE,
        Key={"pk": {"S": "c1"}, "sk": {"S": "path#smtp:t000"}},
        UpdateExpression="SET #state = :passed",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={":passed": {"S": "passed"}},
    )
    now = T0 + timedelta(seconds=30)
    handle([delivery(canary, name) for name in ("smtp:t001", "smtp:t002")], store=store, now=now)
    assert store.progress("c1") == (CanaryState.PENDING, 1)
    assert _states(store, "c1") == (CanaryState.PENDING, Counter({CanaryState.PASSED: 3}))
    # When the sweeper finds it past its deadline
    report = sweep(store=store, now=AFTER_DEADLINE)
    # Then it is settled from its paths (passed), not marked lost: the count is only a hint
    assert _states(store, "c1") == (CanaryState.PASSED, Counter({CanaryState.PASSED: 3}))
    assert report.lost == ()
