"""A round's artifacts: its summary, and per path the MIME it sent and its SMTP transcript, under the round's
prefix (`mailcanary.artifacts.keys`):

    YYYY/MM/DD/<canary_id>/round.json                      the round's summary (what the console shows)
    YYYY/MM/DD/<canary_id>/paths/<path>/message.eml        the raw MIME the path sent (or tried to)
    YYYY/MM/DD/<canary_id>/paths/<path>/transcript.txt     the SMTP session, commands and replies (SMTP paths)

The SES events of the round follow under `ses-events/` as the SES-events function receives them.
"""

from __future__ import annotations

import json
from datetime import datetime

from mailcanary.artifacts.keys import artifact_key, artifact_prefix
from mailcanary.artifacts.writer import Artifact, ArtifactReport, ArtifactWriter
from mailcanary.core.redaction import SecretForms
from mailcanary.round.result import RoundResult

__all__ = ["round_artifacts", "write_round_artifacts"]


def round_artifacts(result: RoundResult, created_at: datetime) -> list[Artifact]:
    """The artifacts of one round (not yet redacted: the writer redacts every body)."""
    prefix = artifact_prefix(result.canary_id, created_at)
    assert prefix is not None  # a fallback time is given, so there always is one
    artifacts = [Artifact(artifact_key(prefix, "round.json"), json.dumps(result.to_summary(), indent=2), _JSON)]
    for path in result.paths:
        if path.raw_message:
            text = path.raw_message.decode("utf-8", "surrogateescape").encode("utf-8", "backslashreplace").decode()
            artifacts.append(Artifact(artifact_key(prefix, "paths", path.name, "message.eml"), text, _MIME))
        if path.transcript:
            artifacts.append(Artifact(artifact_key(prefix, "paths", path.name, "transcript.txt"), path.transcript))
    return artifacts


def write_round_artifacts(
    writer: ArtifactWriter, result: RoundResult, created_at: datetime, forms: SecretForms, *, seconds: float
) -> ArtifactReport:
    """Write the round's artifacts, redacted with the round's credential forms too; never raises."""
    return writer.write(round_artifacts(result, created_at), forms, seconds=seconds)


_JSON = "application/json"
_MIME = "message/rfc822"
