"""Builders and names shared by the canary-record tests (store, reconcile, sweeper)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailcanary.ses.simulator import Scenario, simulator_address
from mailcanary.store import CanaryRecord, PathKind, new_canary, new_path

CANARY_TABLE = "mailcanary-canaries-test"
IDEMPOTENCY_TABLE = "mailcanary-idempotency-test"
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
