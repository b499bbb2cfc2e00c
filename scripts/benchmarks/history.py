"""`mailcanary history`'s read: the last 50 rounds of a table holding many, against moto's DynamoDB served from its
own process over HTTP (as DynamoDB is a service outside the CLI's process).

moto's latency is not DynamoDB's: moto answers from this machine's CPU, one request at a time in effect, where
DynamoDB's time is mostly the network's. So every call here first waits RTT_SECONDS, standing in for the round
trip, and the rows compare with one strongly consistent read of one canary under the same wait
(`CanaryStore.get`, what each listed round costs): the ratio approximates round trips. Reading 50 rounds one
after the other is 51 of them (the index Query and 50 reads); reading them eight at a time overlaps the waits.
On this shared machine moto's own CPU time per call is of the same order as the wait, and it does not overlap.
The table is filled with BatchWriteItem from the store's own codec (creating hundreds of canaries through moto's
transactions would copy the table each time); every canary has an API and an SMTP path,
each with its send item and a Delivery event. Medians, interleaved with the baseline.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from scripts.benchmarks._common import Row, interleaved_medians
from scripts.benchmarks.round import dynamodb_service

TABLE = "bench-history"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAST = 50
RTT_SECONDS = 0.02


def _fill(client: object, rounds: int) -> None:
    from mailcanary.ses.events import EventType, RecipientStatus
    from mailcanary.store import ObservedEvent, PathKind, codec, new_canary, new_path

    items = []
    for n in range(rounds):
        created = T0 + timedelta(minutes=n)
        canary_id = f"h{n:05d}"
        paths = []
        for name, kind in (("api", PathKind.API), ("smtp:lab", PathKind.SMTP)):
            path = new_path(
                canary_id, name, kind, "target", deadline=created + timedelta(minutes=15),
                envelope=["a@example.com", "b@example.com"], ses_message_id=f"{canary_id}-{name}",
                sent_at=created + timedelta(seconds=1),
            )  # fmt: skip
            delivered = ObservedEvent(
                "e1", EventType.DELIVERY, created + timedelta(seconds=3), path.envelope,
                tuple(RecipientStatus(rcpt, "2.0.0") for rcpt in path.envelope),
            )  # fmt: skip
            paths.append(replace(path, events=(delivered,)))
        canary = new_canary(canary_id, paths, created_at=created)
        expires = created + timedelta(days=30)
        items.append(codec.canary_item(canary, expires_at=expires))
        for path in canary.paths:
            items.append(codec.path_item(path, expires_at=expires))
            assert path.sent is not None
            items.append(codec.send_item(path.sent, expires_at=expires))
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        client.batch_write_item(RequestItems={TABLE: batch})  # type: ignore[attr-defined]


def run(quick: bool) -> list[Row]:
    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}.items():
        os.environ.setdefault(name, value)
    import boto3
    from botocore.config import Config

    from mailcanary.store import CanaryStore, canary_table_definition, list_canaries
    from mailcanary.store import history as history_module

    rounds = 100 if quick else 500
    repeats = 3 if quick else 15
    with dynamodb_service() as endpoint:
        client = boto3.client(
            "dynamodb", region_name="us-east-1", endpoint_url=endpoint, config=Config(max_pool_connections=16)
        )
        client.create_table(**canary_table_definition(TABLE))
        _fill(client, rounds)
        client.meta.events.register("before-send.dynamodb.*", lambda **_: time.sleep(RTT_SECONDS))
        store = CanaryStore(client, TABLE)
        assert len(list_canaries(store, last=LAST)) == LAST
        one = f"h{rounds // 2:05d}"
        parallel_s, read_s = interleaved_medians(
            lambda: list_canaries(store, last=LAST), lambda: store.get(one), repeats
        )
        readers = history_module._READERS
        history_module._READERS = 1  # the same read, one canary after the other
        try:
            serial_s, read2_s = interleaved_medians(
                lambda: list_canaries(store, last=LAST), lambda: store.get(one), repeats
            )
        finally:
            history_module._READERS = readers
    note = f"{rounds} rounds in the table, {RTT_SECONDS * 1000:.0f} ms added per call"
    return [
        Row(f"history: last {LAST} rounds, {readers} reads at a time", "one canary read (store.get)",
            parallel_s, read_s, note=note),
        Row(f"history: last {LAST} rounds, one read at a time", "one canary read (store.get)",
            serial_s, read2_s, note="info: what the concurrent reads save"),
    ]  # fmt: skip
