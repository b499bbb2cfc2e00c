"""Which path an arrived copy belongs to, and what it is compared with: the canary header and the Message-ID the
path sent identify it; the send's fingerprint is the expectation."""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.parser import BytesHeaderParser

from mailcanary.arrival.model import CANARY_HEADER, ArrivedMessage, ExpectedArrival
from mailcanary.decide.evaluate import comparable
from mailcanary.store import CanaryRecord, PathRecord

__all__ = ["HEADER_BYTES", "Match", "arrival_key", "expected_arrival", "identity", "path_of"]

HEADER_BYTES = 256 * 1024  # the canary header and Message-ID are looked for in this much of a copy, at most
_CANARY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class Match:
    """How a copy relates to a canary's paths (the values of `ArrivalDisposition` they become)."""

    AWAITING = "applied"
    NOT_AWAITED = "not_awaited"
    UNMATCHED = "unmatched"


def arrival_key(copy: ArrivedMessage) -> str:
    """The copy's identity across redeliveries: its receiver and where it was read (the raw bytes when unknown)."""
    where = copy.location.encode("utf-8", "surrogateescape") if copy.location else copy.raw
    return f"{copy.receiver.value}#{hashlib.sha256(where).hexdigest()[:32]}"


def expected_arrival(path: PathRecord) -> ExpectedArrival | None:
    """What the arrival checks compare a copy of `path` with; None when its send kept no fingerprint."""
    fingerprint = path.fingerprint
    if fingerprint is None or path.sent_at is None:
        return None
    return ExpectedArrival(
        canary_id=path.canary_id,
        path_name=path.name,
        target=path.target,
        sent_at=path.sent_at,
        deadline=path.deadline,
        envelope=tuple(comparable(address) for address in path.envelope),
        to=fingerprint.to,
        cc=fingerprint.cc,
        message_id=fingerprint.message_id,
        subject=fingerprint.subject,
        body_sha256=fingerprint.body_sha256,
    )


def identity(raw: bytes) -> tuple[str | None, str | None]:
    """The canary id (only a well-formed one) and the Message-ID a copy carries in its header section."""
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:HEADER_BYTES])
    canary_id = str(headers.get(CANARY_HEADER, "")).strip()
    message_id = str(headers.get("Message-ID", "")).strip()
    return (canary_id if _CANARY_ID.fullmatch(canary_id) else None), (message_id or None)


def path_of(canary: CanaryRecord | None, message_id: str | None) -> tuple[PathRecord | None, str]:
    """The path a copy belongs to, by the Message-ID it sent; the canary's only awaiting path when none matches."""
    if canary is None:
        return None, Match.UNMATCHED
    wanted = _bare(message_id)
    sent_it = [path for path in canary.paths if path.fingerprint and _bare(path.fingerprint.message_id) == wanted]
    if sent_it:
        path = sent_it[0]
        return (path, Match.AWAITING) if path.awaits_arrival else (None, Match.NOT_AWAITED)
    awaiting = [path for path in canary.paths if path.awaits_arrival]
    if len(awaiting) == 1:
        return awaiting[0], Match.AWAITING
    return None, Match.UNMATCHED


def _bare(message_id: str | None) -> str:
    return (message_id or "").strip().strip("<>").strip().lower()
