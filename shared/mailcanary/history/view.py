"""A round as `mailcanary history` shows it: per path, its state, each failed check with its evidence, the SES
events, and the send / delivery / arrival latency; as one JSON-ready document (`HISTORY_SCHEMA`).

Latencies come from the record alone, the way the metrics compute them:
- send: from the round's start (`created_at`) to the path's handover (SES answered the API call, or the MTA its
  250 after the final dot), which also holds the round's pending write;
- delivery: from the handover to the last Delivery event of the path (`DeliveryLatency` counts each one);
- arrival: from the handover to the copy read at the receiving side, once the record carries it (None until then).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mailcanary.artifacts.keys import artifact_uri
from mailcanary.core.redaction import redact
from mailcanary.ses.events import EventType
from mailcanary.store import CanaryRecord, FailedCheck, ObservedEvent, PathRecord

__all__ = ["HISTORY_SCHEMA", "history_document", "path_latencies", "round_view"]

HISTORY_SCHEMA = "mailcanary.history/1"


def _ms(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max((end - start).total_seconds() * 1000, 0.0), 1)


def path_latencies(canary: CanaryRecord, path: PathRecord) -> dict[str, float | None]:
    """Send, delivery and arrival latency of one path in milliseconds (None: not measured, or not yet)."""
    deliveries = [e.timestamp for e in path.events if e.event_type is EventType.DELIVERY and e.timestamp is not None]
    arrived_at: datetime | None = getattr(path, "arrived_at", None)  # carried once arrival is recorded on paths
    return {
        "send": _ms(canary.created_at, path.sent_at),
        "delivery": _ms(path.sent_at, max(deliveries)) if deliveries else None,
        "arrival": _ms(path.sent_at, arrived_at),
    }


def _checks(checks: Sequence[FailedCheck]) -> list[dict[str, str]]:
    return [{"check": failed.check.value, "detail": failed.detail} for failed in checks]


def _event(event: ObservedEvent) -> dict[str, Any]:
    value: dict[str, Any] = {
        "type": event.event_type.value,
        "timestamp": event.timestamp.isoformat() if event.timestamp else None,
        "recipients": [
            {"address": rcpt.address, "status": rcpt.status, "diagnostic_code": rcpt.diagnostic_code}
            for rcpt in event.recipients
        ],
    }
    if event.bounce_type is not None:
        value["bounce"] = f"{event.bounce_type.value}/{event.bounce_subtype.value if event.bounce_subtype else '-'}"
    return value


def _path(canary: CanaryRecord, path: PathRecord) -> dict[str, Any]:
    return {
        "path": path.name,
        "kind": path.kind.value,
        "target": path.target,
        "state": path.state.value,
        "ses_message_id": path.ses_message_id,
        "sent_at": path.sent_at.isoformat() if path.sent_at else None,
        "decided_at": path.decided_at.isoformat() if path.decided_at else None,
        "envelope": list(path.envelope),
        "failed_checks": _checks(path.failed_checks),
        "latency_ms": path_latencies(canary, path),
        "events": [_event(event) for event in path.events],
    }


def round_view(canary: CanaryRecord, artifact_bucket: str | None = None) -> dict[str, Any]:
    """One round as plain values; `artifacts` is the round's S3 prefix when the stack keeps artifacts."""
    return {
        "canary_id": canary.canary_id,
        "created_at": canary.created_at.isoformat(),
        "state": canary.state.value,
        "decided_at": canary.decided_at.isoformat() if canary.decided_at else None,
        "failed_checks": _checks(canary.failed_checks),
        "artifacts": artifact_uri(artifact_bucket, canary.canary_id, canary.created_at) if artifact_bucket else None,
        "paths": [_path(canary, path) for path in canary.paths],
    }


def history_document(
    canaries: Sequence[CanaryRecord], *, source: dict[str, str | None], artifact_bucket: str | None = None
) -> dict[str, Any]:
    """The `--json` document: schema, where the rounds were read, and the rounds oldest first, redacted."""
    document = {
        "schema": HISTORY_SCHEMA,
        "source": source,
        "rounds": [round_view(canary, artifact_bucket) for canary in canaries],
    }
    return redact(document)  # type: ignore[no-any-return]  # details were redacted when stored; one more pass is cheap
