"""Writing artifacts to the artifact bucket: redacted, bounded in size and in time, never failing the caller.

Every body passes the one redaction (`mailcanary.core.redaction.redact_text`, with the session's credential forms
when there were any) before it leaves the process; a body over `MAX_ARTIFACT_BYTES` is cut there and says so.
Puts run a few at a time and the caller waits for them until a deadline at most: an S3 that is slow or refusing
costs the round seconds, never the round. Each artifact not written is logged (its key and the AWS error code)
and counted in one `ArtifactWriteFailed` data point.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from mailcanary.core.aws_errors import aws_error_code, aws_errors
from mailcanary.core.redaction import NO_SECRETS, SecretForms, redact_text
from mailcanary.report import observability as obs

__all__ = ["DEFAULT_SECONDS", "MAX_ARTIFACT_BYTES", "Artifact", "ArtifactReport", "ArtifactWriter", "bounded"]

MAX_ARTIFACT_BYTES = 1024 * 1024  # a canary is a few KiB and a transcript a few more; 1 MiB is a broken server
MAX_ARTIFACTS = 2_000  # per call: a round of 500 targets writes three per path
DEFAULT_SECONDS = 10.0  # how long a caller waits for its puts at most
_WORKERS = 8


@dataclass(frozen=True, slots=True)
class Artifact:
    """One object to write: its key under the round's prefix, its text (redacted on writing), its media type."""

    key: str
    text: str
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class ArtifactReport:
    """What one call wrote: the keys written, and each key not written with the reason."""

    written: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()


def bounded(text: str, limit: int = MAX_ARTIFACT_BYTES) -> bytes:
    """`text` as UTF-8, cut at `limit` bytes with a last line saying how much was left out."""
    body = text.encode("utf-8", "backslashreplace")
    if len(body) <= limit:
        return body
    note = f"\n[mailcanary: artifact cut at {limit} bytes, {len(body) - limit} more not kept]\n".encode()
    return body[: limit - len(note)] + note


class ArtifactWriter:
    """Puts artifacts into one bucket with an S3 client passed in (built by `mailcanary.services`)."""

    def __init__(self, client: Any, bucket: str, *, max_bytes: int = MAX_ARTIFACT_BYTES) -> None:
        self._client = client
        self.bucket = bucket
        self._max_bytes = max_bytes

    def write(
        self, artifacts: Sequence[Artifact], forms: SecretForms = NO_SECRETS, *, seconds: float = DEFAULT_SECONDS
    ) -> ArtifactReport:
        """Redact, bound and put `artifacts`; wait `seconds` at most. Never raises for S3 or the network."""
        chosen = list(artifacts[:MAX_ARTIFACTS])
        failed = [(each.key, "too many artifacts in one round") for each in artifacts[MAX_ARTIFACTS:]]
        written: list[str] = []
        if chosen:
            pool = ThreadPoolExecutor(max_workers=min(_WORKERS, len(chosen)), thread_name_prefix="artifact")
            futures = {pool.submit(self._put, each, forms): each.key for each in chosen}
            done, _ = wait(futures, timeout=max(seconds, 0.0))
            pool.shutdown(wait=False, cancel_futures=True)  # a put still running is not waited for
            for future, key in futures.items():
                error = future.result() if future in done else f"not written within {seconds:g} s"
                if error is None:
                    written.append(key)
                else:
                    failed.append((key, error))
        report = ArtifactReport(tuple(written), tuple(failed))
        if report.failed:
            _report_failures(self.bucket, report.failed)
        return report

    def _put(self, artifact: Artifact, forms: SecretForms) -> str | None:
        """The reason the put failed, or None once written."""
        try:
            body = bounded(redact_text(artifact.text, forms), self._max_bytes)
            self._client.put_object(Bucket=self.bucket, Key=artifact.key, Body=body, ContentType=artifact.content_type)
        except aws_errors() as exc:
            return aws_error_code(exc)
        except Exception as exc:  # anything else, a bug of ours included, must not fail the round either
            return f"{type(exc).__name__}: {exc}"
        return None


def _report_failures(bucket: str, failed: Sequence[tuple[str, str]]) -> None:
    log = obs.get_logger()
    for key, reason in failed[:20]:  # the metric counts them all; twenty lines say enough
        log.warning("artifact not written", extra={"bucket": bucket, "key": key, "error": reason})
    obs.emit([obs.artifact_write_failed(len(failed))])
