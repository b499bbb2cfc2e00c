"""The one artifact writer builder: the deployment's bucket and an S3 client from the runtime."""

from __future__ import annotations

from mailcanary.artifacts.writer import ArtifactWriter
from mailcanary.config.runtime import Runtime

__all__ = ["artifact_writer"]


def artifact_writer(runtime: Runtime) -> ArtifactWriter | None:
    """The deployment's artifact writer; None when it keeps no artifacts (no bucket configured)."""
    bucket = runtime.settings.artifact_bucket
    return ArtifactWriter(runtime.clients("s3", None), bucket) if bucket else None
