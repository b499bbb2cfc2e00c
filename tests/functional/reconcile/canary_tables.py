"""Builders and names shared by the canary-record tests (store, reconcile, sweeper)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailcanary.ses.events import BounceSubType, BounceType, EventType, RecipientStatus, SesEventSummary
from mailcanary.ses.simulator import Scenario, simulator_address
from mailcanary.store import CanaryRecord, PathKind, new_canary, new_path
from tests.support.aws_world import CANARY_TABLE, IDEMPOTENCY_TABLE

__all__ = ["CANARY_TABLE", "IDEMPOTENCY_TABLE", "T0", "FakeLambdaContext", "canary_with", "delivery", "ses_event"]

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def canary_with(
    canary_id: str,
    *,
    api: tuple[Scenario, ...] | None = (Scenario.SUCCESS,),
    smtp: tuple[Scenario, ...] | None = (Scenario.SUCCESS,),
    created_at: datetime = T0,
) -> CanaryRecord:
    """A canary with an API path (message id `<id>-api`) and an SMTP path (`<id>-smtp`) to the given scenarios."""
    deadline = created_at + timedelta(minutes=15)
    paths = []
    for name, kind, scenarios in (("api", PathKind.API, api), ("smtp", PathKind.SMTP, smtp)):
        if scenarios is None:
            continue
        envelope = [simulator_address(scenario, canary_id) for scenario in scenarios]
        target = "ses:us-east-1" if kind is PathKind.API else "email-smtp.us-east-1.amazonaws.com:587"
        paths.append(
            new_path(
                canary_id,
                name,
                kind,
                target,
                deadline=deadline,
                envelope=envelope,
                ses_message_id=f"{canary_id}-{name}",
                sent_at=created_at + timedelta(seconds=1),
            )
        )
    return new_canary(canary_id, paths, created_at=created_at)


def ses_event(
    event_type: EventType,
    message_id: str,
    destination: tuple[str, ...],
    *,
    recipients: tuple[str, ...] = (),
    status: str | None = None,
    bounce: tuple[BounceType, BounceSubType] | None = None,
    feedback_id: str | None = None,
    at: datetime = T0 + timedelta(seconds=3),
) -> SesEventSummary:
    """An SES event summary as the events parser produces it (built directly: the parser is tested elsewhere)."""
    return SesEventSummary(
        event_type=event_type,
        message_id=message_id,
        timestamp=at,
        destination=destination,
        recipients=tuple(RecipientStatus(address, status) for address in recipients),
        bounce_type=bounce[0] if bounce else None,
        bounce_subtype=bounce[1] if bounce else None,
        feedback_id=feedback_id,
    )


def delivery(canary: CanaryRecord, path: str, *rcpts: str, at: datetime = T0 + timedelta(seconds=3)) -> SesEventSummary:
    """A Delivery of `rcpts` (default: the path's whole envelope) on one path of `canary`."""
    record = canary.path(path)
    assert record is not None
    assert record.ses_message_id is not None
    return ses_event(
        EventType.DELIVERY, record.ses_message_id, record.envelope, recipients=rcpts or record.envelope, at=at
    )


@dataclass(frozen=True)
class FakeLambdaContext:
    """The Lambda context fields Powertools idempotency reads (the shape its own docs use in tests)."""

    function_name: str = "ses-events"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ses-events"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
