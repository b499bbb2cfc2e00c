"""Where a round's artifacts live in the artifact bucket: `YYYY/MM/DD/<canary_id>/<name>`, dated by the round's start.

The date is the canary's `created_at` in UTC, so every writer (the round, the SES-events function a minute later,
the sweeper) and every reader (`mailcanary history`, the alert body) derives the same prefix from the record alone;
nothing needs to remember where a round's artifacts went.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["artifact_key", "artifact_prefix", "artifact_uri"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")  # key parts from path names ("smtp:lab") and SES event keys


def artifact_prefix(created_at: datetime, canary_id: str) -> str:
    """`YYYY/MM/DD/<canary_id>/` for a round started at `created_at` (timezone-aware)."""
    day = created_at.astimezone(UTC)
    return f"{day:%Y/%m/%d}/{_safe(canary_id)}/"


def artifact_key(created_at: datetime, canary_id: str, *parts: str) -> str:
    """The key of one artifact of a round, e.g. (`paths`, `smtp:lab`, `transcript.txt`) → `.../smtp_lab/...`."""
    return artifact_prefix(created_at, canary_id) + "/".join(_safe(part) for part in parts)


def artifact_uri(bucket: str, created_at: datetime, canary_id: str) -> str:
    """`s3://bucket/YYYY/MM/DD/<canary_id>/`: what alerts and `mailcanary history` show for a round."""
    return f"s3://{bucket}/{artifact_prefix(created_at, canary_id)}"


def _safe(part: str) -> str:
    return _UNSAFE.sub("_", part) or "_"
