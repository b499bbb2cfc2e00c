"""Reconciling one SES event and sweeping one overdue canary, against moto DynamoDB.

moto's latency is not DynamoDB's, so the rows compare each operation with one consistent canary read on the
same backend: the ratio approximates DynamoDB round trips per operation. The exact number of DynamoDB calls
is counted and reported in the note (that is what costs money and latency in AWS).
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from scripts.benchmarks._common import Row, interleaved_medians

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _calls(client: Any) -> list[str]:
    seen: list[str] = []
    client.meta.events.register("before-call.dynamodb.*", lambda model, **_: seen.append(model.name))
    return seen


def run(quick: bool) -> list[Row]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    import boto3
    from moto import mock_aws

    from mailcanary.decide.reconcile import handle
    from mailcanary.decide.sweep import sweep
    from mailcanary.ses.events import EventType, RecipientStatus, SesEventSummary
    from mailcanary.ses.simulator import Scenario, simulator_address
    from mailcanary.store import CanaryStore, PathKind, canary_table_definition, new_canary, new_path

    repeats = 5 if quick else 40
    ids = itertools.count()

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**canary_table_definition("bench-canaries"))
        store = CanaryStore(client, "bench-canaries")
        calls = _calls(client)

        def fresh(created_at: datetime = T0) -> tuple[str, SesEventSummary]:
            canary_id = f"b{next(ids)}"
            rcpt = simulator_address(Scenario.SUCCESS, canary_id)
            path = new_path(
                canary_id, "api", PathKind.API, "ses", deadline=created_at + timedelta(minutes=15),
                envelope=[rcpt], ses_message_id=f"{canary_id}-api", sent_at=created_at,
            )  # fmt: skip
            store.create(new_canary(canary_id, [path], created_at=created_at))
            event = SesEventSummary(
                EventType.DELIVERY, f"{canary_id}-api", created_at, (rcpt,), (RecipientStatus(rcpt, "2.0.0"),)
            )
            return canary_id, event

        pending = [fresh() for _ in range(repeats + 1)]
        events = iter(event for _, event in pending)
        reads = iter(canary_id for canary_id, _ in pending)
        calls.clear()
        handle([next(events)], store=store, now=T0 + timedelta(seconds=5))
        per_event = len(calls)
        reconcile_s, read_s = interleaved_medians(
            lambda: handle([next(events)], store=store, now=T0 + timedelta(seconds=5)),
            lambda: store.get(next(reads)),
            repeats,
            warmup=0,
        )

        overdue = [fresh(T0 - timedelta(hours=1)) for _ in range(repeats + 1)]
        reads = iter(canary_id for canary_id, _ in overdue)
        calls.clear()
        sweep(store=store, now=T0, limit=1)
        per_sweep = len(calls)
        sweep_s, read2_s = interleaved_medians(
            lambda: sweep(store=store, now=T0, limit=1), lambda: store.get(next(reads)), repeats, warmup=0
        )

    return [
        Row(
            "reconcile one Delivery, canary decided (moto)",
            "one consistent canary read (moto)",
            reconcile_s,
            read_s,
            note=f"{per_event} DynamoDB calls per event",
        ),
        Row(
            "sweep one overdue canary to lost (moto)",
            "one consistent canary read (moto)",
            sweep_s,
            read2_s,
            note=f"{per_sweep} DynamoDB calls per lost canary",
        ),
    ]
