"""Where a round's artifacts live in the artifact bucket: `YYYY/MM/DD/<canary_id>/<name>`, dated by the round.

The date is read from the canary id itself: `mailcanary.message.build.new_canary_id` puts the milliseconds of its
minting (the round's start) in the id's first 48 bits. So whoever holds only an id (the round, the SES-events
function a minute later, an alert body, `mailcanary history`) derives the same prefix without a read, and a round
that runs across midnight keeps one folder. An id `new_canary_id` did not make (a hand-made one in a test or a
console replay) falls back to the time the caller passes (the round's `created_at`, or the send's time).
This module imports nothing heavy: the SES-events function loads it at init.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

__all__ = ["artifact_key", "artifact_prefix", "artifact_uri", "canary_id_time"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")  # key parts from path names ("smtp:lab") and SES event keys
_MINTED_ID = re.compile(r"[0-9a-v]{16}")  # what `new_canary_id` makes: 10 bytes in lower-case base32hex
_YEAR_2000_MS, _YEAR_2200_MS = 946_684_800_000, 7_258_118_400_000


def canary_id_time(canary_id: str) -> datetime | None:
    """When `new_canary_id` minted `canary_id` (UTC, to the millisecond); None for an id it did not make."""
    if not _MINTED_ID.fullmatch(canary_id):
        return None
    milliseconds = int.from_bytes(base64.b32hexdecode(canary_id.upper()), "big") >> 32
    if not _YEAR_2000_MS <= milliseconds < _YEAR_2200_MS:  # sixteen such characters with no time of ours in them
        return None
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)


def artifact_prefix(canary_id: str, fallback: datetime | None = None) -> str | None:
    """`YYYY/MM/DD/<canary_id>/`, dated by the id (else by `fallback`); None when neither gives a date."""
    moment = canary_id_time(canary_id) or fallback
    if moment is None:
        return None
    return f"{moment.astimezone(UTC):%Y/%m/%d}/{_safe(canary_id)}/"


def artifact_key(prefix: str, *parts: str) -> str:
    """The key of one artifact under a round's prefix: (`paths`, `smtp:lab`, `transcript.txt`) → `.../smtp_lab/...`."""
    return prefix + "/".join(_safe(part) for part in parts)


def artifact_uri(bucket: str, canary_id: str, fallback: datetime | None = None) -> str | None:
    """`s3://bucket/YYYY/MM/DD/<canary_id>/`: what alerts and `mailcanary history` show for a round."""
    prefix = artifact_prefix(canary_id, fallback)
    return f"s3://{bucket}/{prefix}" if prefix else None


def _safe(part: str) -> str:
    return _UNSAFE.sub("_", part) or "_"
