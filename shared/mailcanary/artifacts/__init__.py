"""Per-round artifacts in S3: the redacted SMTP transcripts, the raw MIME each path sent, the SES events received.

Written best effort: an artifact that cannot be written is logged and counted (`ArtifactWriteFailed`), never a
reason for a round to fail. Every artifact passes the one redaction (`mailcanary.core.redaction`) first.
"""

from __future__ import annotations

from mailcanary.artifacts.keys import artifact_key, artifact_prefix, artifact_uri, canary_id_time

__all__ = ["artifact_key", "artifact_prefix", "artifact_uri", "canary_id_time"]
