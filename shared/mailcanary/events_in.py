"""The Lambda events mailcanary accepts, validated at the boundary and turned into plain values.

- canary function: an EventBridge scheduled event, or a console test event with overrides
  `{"paths": ["api", "smtp"], "recipients": {"to": [...], "cc": [...], "bcc": [...]},
  "targets": ["<configured target name>" | {SMTP target}], "conformance": true,
  "envelope": ["<API Destinations>"]}` (every key optional; `{}` runs a default round). `envelope` replaces
  the API path's Destinations on purpose, so the envelope may differ from the headers (swaks-style).
- SES events function: SNS deliveries whose `Message` is an SES event-publishing record (JSON text).
- sweeper function: an EventBridge scheduled event (its content is not used).

Bad input raises `UsageError` with the offending field, which the Lambda console shows as the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mailcanary.config import RecipientsConfig, SmtpTargetConfig
from mailcanary.errors import UsageError

__all__ = ["RoundOverrides", "parse_canary_event"]


@dataclass(frozen=True, slots=True)
class RoundOverrides:
    """What one round should do differently from the deployed settings; None means "as configured"."""

    trigger: Literal["schedule", "console"]
    paths: frozenset[str] | None = None  # subset of mailcanary.observability.PathKind values
    recipients: RecipientsConfig | None = None
    targets: tuple[str | SmtpTargetConfig, ...] | None = None  # configured names or ad-hoc targets
    conformance: bool | None = None
    envelope: tuple[str, ...] | None = None  # explicit API Destinations (may differ from the headers on purpose)


class _ConsoleOverrides(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")  # a typo in a test event must not pass silently

    paths: tuple[Literal["api", "smtp"], ...] | None = Field(default=None, min_length=1)
    recipients: RecipientsConfig | None = None
    targets: tuple[str | SmtpTargetConfig, ...] | None = None
    conformance: bool | None = None
    envelope: tuple[str, ...] | None = Field(default=None, min_length=1)


class _ScheduledEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    source: Literal["aws.events", "aws.scheduler"]
    detail_type: str = Field(alias="detail-type")


def parse_canary_event(event: Mapping[str, Any]) -> RoundOverrides:
    """A scheduled event becomes a plain round; anything else must be a console override event."""
    if not isinstance(event, Mapping):
        raise UsageError(f"the canary event must be a JSON object, got {type(event).__name__}")
    try:
        if "source" in event:
            _ScheduledEvent.model_validate(event)
            return RoundOverrides(trigger="schedule")
        overrides = _ConsoleOverrides.model_validate(event)
    except ValidationError as exc:
        raise UsageError(_first_error(exc)) from exc
    return RoundOverrides(
        trigger="console",
        paths=frozenset(overrides.paths) if overrides.paths is not None else None,
        recipients=overrides.recipients,
        targets=overrides.targets,
        conformance=overrides.conformance,
        envelope=overrides.envelope,
    )


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "event"
    return f"{where}: {first['msg']}"
