"""The stored form of what proof of arrival keeps: a send's fingerprint and the arrivals recorded on a path.

Part of `codec` (the only place that knows the stored attribute names), kept apart to keep each module short.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mailcanary.core.checks import Check
from mailcanary.core.redaction import redact_text
from mailcanary.store.records import FailedCheck, ObservedArrival, SentFingerprint

__all__ = ["arrival", "arrival_value", "fingerprint", "fingerprint_value"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def arrival_value(arrival: ObservedArrival) -> dict[str, Any]:
    """The plain-value form of one recorded arrival, stored under its key in the path's `arrivals` map."""
    return {
        "received_at": _iso(arrival.received_at),
        "receiver": arrival.receiver,
        "envelope_recipients": list(arrival.envelope_recipients),
        "location": arrival.location,
        "findings": [{"check": found.check.value, "detail": redact_text(found.detail)} for found in arrival.findings],
    }


def arrival(key: str, raw: Mapping[str, Any]) -> ObservedArrival:
    """One recorded arrival from its stored value."""
    return ObservedArrival(
        key=key,
        received_at=datetime.fromisoformat(raw["received_at"]),
        receiver=str(raw["receiver"]),
        envelope_recipients=tuple(raw.get("envelope_recipients", ())),
        location=str(raw.get("location", "")),
        findings=tuple(
            FailedCheck(Check(found["check"]), found.get("detail", "")) for found in raw.get("findings", ())
        ),
    )


def fingerprint_value(fingerprint: SentFingerprint) -> dict[str, Any]:
    """The stored form of a send's fingerprint."""
    return {
        "message_id": fingerprint.message_id,
        "subject": fingerprint.subject,
        "to": list(fingerprint.to),
        "cc": list(fingerprint.cc),
        "body_sha256": fingerprint.body_sha256,
    }


def fingerprint(raw: Mapping[str, Any] | None) -> SentFingerprint | None:
    """A send's fingerprint from its stored form; None when the send item has none."""
    if raw is None:
        return None
    return SentFingerprint(
        message_id=raw["message_id"],
        subject=raw["subject"],
        to=tuple(raw.get("to", ())),
        cc=tuple(raw.get("cc", ())),
        body_sha256=raw["body_sha256"],
    )
