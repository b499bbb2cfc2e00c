"""The arrival function's service: SES's "Received" notifications → the stored copies → the paths they decide.

Wiring only: parse the SNS deliveries (`mailcanary.arrival.ses_inbound`), read each stored copy from S3 with its
size bound, and hand the copies to `mailcanary.decide.arrival` with the store, the arrival checks and the one
effect sink (metrics as EMF, alerts through the one alert publisher).

What cannot improve by retrying is reported and logged, never retried: a notification that is no "Received"
receipt, a copy over the size bound. What can (S3 or DynamoDB unavailable, an alert not published) propagates,
so Lambda retries the delivery and the retry delivers what is still owed, once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from mailcanary.arrival.bounces import bounce_verdicts
from mailcanary.arrival.checks import judge_arrival
from mailcanary.arrival.errors import ArrivalTooLargeError
from mailcanary.arrival.model import ArrivalJudge, ArrivedMessage
from mailcanary.arrival.ses_inbound import (
    ReceivedNotification,
    UnreadableNotification,
    arrived_copy,
    parse_received_sns_event,
    read_stored_message,
)
from mailcanary.config.runtime import Runtime
from mailcanary.decide.arrival import ArrivalReport, record_arrivals
from mailcanary.decide.arrival_bounce import BounceJudge
from mailcanary.report import observability as obs
from mailcanary.services.alerting import effect_sink
from mailcanary.store import CanaryStore

__all__ = ["receive_notifications"]


def receive_notifications(
    runtime: Runtime,
    event: Mapping[str, Any],
    judge: ArrivalJudge | None = None,
    bounces: BounceJudge | None = None,
) -> ArrivalReport:
    """Decide the paths whose copies (or bounces returned to the sender) one SNS delivery of "Received"
    notifications announces.

    `judge` is the arrival checks (`mailcanary.arrival.checks.judge_arrival` unless given), `bounces` the bounce
    matching (`mailcanary.arrival.bounces.bounce_verdicts` unless given).
    """
    parsed = parse_received_sns_event(event)
    unreadable = [each.reason for each in parsed if isinstance(each, UnreadableNotification)]
    copies: list[ArrivedMessage] = []
    s3 = None
    for notification in (each for each in parsed if isinstance(each, ReceivedNotification)):
        try:
            raw = notification.content
            if raw is None:  # parse_received gives either inline content or both bucket and key
                s3 = s3 or runtime.clients("s3", None)
                raw = read_stored_message(s3, notification.bucket or "", notification.key or "")
            copies.append(arrived_copy(notification, raw))
        except ArrivalTooLargeError as exc:  # the copy is not a canary's (a few KiB): reading again cannot help
            unreadable.append(str(exc))
    for reason in unreadable:
        obs.get_logger().warning("arrival not read", extra={"reason": reason})
    report = record_arrivals(
        copies,
        store=CanaryStore(runtime.clients("dynamodb", None), runtime.settings.table_name),
        judge=judge or judge_arrival,
        now=runtime.now(),
        effects=effect_sink(runtime),
        bounces=bounces or bounce_verdicts,
    )
    for transition in report.transitions:
        failed = [verdict.check.value for verdict in transition.verdicts]
        extra = {"canary_id": transition.canary_id, "path": transition.path, "state": transition.state.value}
        obs.get_logger().info("decided on arrival", extra=extra | {"failed_checks": failed})
    return dataclasses.replace(report, unreadable=tuple(unreadable))
