"""The Lambda events mailcanary accepts, validated at the boundary and turned into plain values.

- canary function: an EventBridge scheduled event, or a console test event with overrides
  `{"paths": ["api", "smtp"], "recipients": {"to": [...], "cc": [...], "bcc": [...]},
  "targets": ["<configured target name>" | {SMTP target}], "conformance": true,
  "envelope": ["<API Destinations>"]}` (every key optional; `{}` runs a default round). `envelope` replaces
  the API path's Destinations on purpose, so the envelope may differ from the headers (swaks-style).
  Credentials go only where they belong: only a configured target, named by its name, authenticates with
  the deployment's SMTP secret. An ad-hoc target (a full object in `targets`) never does: its `auth`
  defaults to false, and `"auth": true` is refused with a `UsageError`, so whoever may invoke the function
  cannot point a round at their own host and collect the SMTP username and password.
- SES events function: SNS deliveries whose `Message` is an SES event-publishing record (JSON text).
- sweeper function: an EventBridge scheduled event (its content is not used).

Bad input raises `UsageError` with the offending field, which the Lambda console shows as the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mailcanary.config.settings import RecipientsConfig, SmtpTargetConfig
from mailcanary.core.errors import UsageError

__all__ = ["AD_HOC_AUTH_REFUSED", "RoundOverrides", "parse_canary_event"]

AD_HOC_AUTH_REFUSED = (
    "targets[{index}]: an ad-hoc SMTP target never receives the deployment's SMTP credentials, so its 'auth' "
    "must be false; to authenticate, name a configured target instead"
)


@dataclass(frozen=True, slots=True)
class RoundOverrides:
    """What one round should do differently from the deployed settings; None means "as configured"."""

    trigger: Literal["schedule", "console"]
    paths: frozenset[str] | None = None  # subset of mailcanary.core.checks.PathKind values
    recipients: RecipientsConfig | None = None
    targets: tuple[str | SmtpTargetConfig, ...] | None = None  # configured names or ad-hoc targets
    conformance: bool | None = None
    envelope: tuple[str, ...] | None = None  # explicit API Destinations (may differ from the headers on purpose)


class _ConsoleOverrides(BaseModel):
    # A typo in a test event must not pass silently. Built on the first console event, not at import: scheduled
    # rounds, every cold start in production, never validate one.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    paths: tuple[Literal["api", "smtp"], ...] | None = Field(default=None, min_length=1)
    recipients: RecipientsConfig | None = None
    targets: tuple[str | SmtpTargetConfig, ...] | None = None
    conformance: bool | None = None
    envelope: tuple[str, ...] | None = Field(default=None, min_length=1)

    @field_validator("targets", mode="before")
    @classmethod
    def _ad_hoc_targets_never_authenticate(cls, value: Any) -> Any:
        """An ad-hoc target gets no AUTH: `auth` defaults to false for it, and true is refused."""
        if not isinstance(value, list | tuple):
            return value
        targets = []
        for index, each in enumerate(value):
            if isinstance(each, Mapping):
                if each.get("auth", False) is not False:
                    raise ValueError(AD_HOC_AUTH_REFUSED.format(index=index))
                each = {**each, "auth": False}
            targets.append(each)
        return targets


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
