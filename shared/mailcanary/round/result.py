"""What one canary round did, as data: one `PathSendResult` per path, gathered in a `RoundResult`.

`RoundResult.to_summary()` is what the Lambda console shows and what the local lab reads back; it passes the
one redaction (`mailcanary.core.redaction.redact`) on top of the session's own, so it carries no secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from mailcanary.core.checks import PathKind, Verdict
from mailcanary.core.redaction import redact
from mailcanary.store import FailedCheck, SentFingerprint

__all__ = ["PathSendResult", "RoundResult"]


@dataclass(frozen=True, slots=True)
class PathSendResult:
    """One path of a round: where it sent, what SES (or the MTA) answered, and the send-time verdicts.

    `handed_over` is True when the message was accepted (SES API call succeeded, or 250 after the final dot);
    `envelope` is the envelope really used (API Destinations passed, or the RCPT TO addresses accepted).
    """

    name: str  # "api" or "smtp:<target name>": the path's name in the store, metrics' Path is `kind`
    kind: PathKind
    target: str  # metric Target: "ses-api:<region>" or the SMTP target's name
    handed_over: bool
    ses_message_id: str | None
    envelope: tuple[str, ...]
    verdicts: tuple[Verdict, ...]
    send_ms: float
    awaits_ses_events: bool = True  # False: SES publishes no events for this send (see `Settings.events_region`)
    fingerprint: SentFingerprint | None = None  # what was handed over, as the arrival checks compare it
    certificate_not_after: datetime | None = None  # the SMTP server certificate's expiry, when TLS showed one
    # What the round keeps as the path's artifacts (`mailcanary.round.artifacts`), never in the summary:
    raw_message: bytes = b""  # the MIME the path sent (or tried to)
    transcript: str = ""  # the SMTP session as text, already redacted by the session; empty for the API path

    @property
    def passed(self) -> bool:
        return self.handed_over and all(verdict.passed for verdict in self.verdicts)

    @property
    def failed_checks(self) -> tuple[FailedCheck, ...]:
        return tuple(FailedCheck(v.check, v.detail) for v in self.verdicts if not v.passed)

    def to_summary(self) -> dict[str, Any]:
        return {
            "path": self.name,
            "kind": self.kind.value,
            "target": self.target,
            "ses_message_id": self.ses_message_id,
            "envelope": list(self.envelope),
            "verdicts": [{"check": v.check.value, "passed": v.passed, "detail": v.detail} for v in self.verdicts],
            "send_ms": round(self.send_ms, 1),
            "awaits_ses_events": self.awaits_ses_events,
            "certificate_not_after": self.certificate_not_after.isoformat() if self.certificate_not_after else None,
        }


@dataclass(frozen=True, slots=True)
class RoundResult:
    """One round: its canary id, how it was triggered, every path, and how many alerts it published.

    `passed` covers the send-time checks; whether SES delivered as expected is decided later by the
    reconciler (or the sweeper) on the canary record.
    """

    canary_id: str
    trigger: Literal["schedule", "console"]
    paths: tuple[PathSendResult, ...]
    alerts_published: int = 0
    not_configured: tuple[Verdict, ...] = ()  # SMTP targets left out: their credentials were never stored

    @property
    def passed(self) -> bool:
        return all(path.passed for path in self.paths)

    def to_summary(self) -> dict[str, Any]:
        summary = {
            "canary_id": self.canary_id,
            "trigger": self.trigger,
            "passed": self.passed,
            "paths": [path.to_summary() for path in self.paths],
            "alerts_published": self.alerts_published,
            "not_configured": [
                {"path": verdict.path, "check": verdict.check.value, "detail": verdict.detail}
                for verdict in self.not_configured
            ],
        }
        return redact(summary)  # type: ignore[no-any-return]
