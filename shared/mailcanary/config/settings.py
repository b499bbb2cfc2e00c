"""The settings model: the only place in mailcanary that reads the environment.

Invalid configuration fails fast with a `ConfigError` naming the variable. Later modules add fields here
rather than reading `os.environ` themselves.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mailcanary.core.errors import ConfigError
from mailcanary.core.secret import Secret

__all__ = [
    "ENV_PREFIX",
    "MAX_SMTP_TARGETS",
    "TRACE_DISABLED_VARIABLE",
    "RecipientsConfig",
    "Settings",
    "SmtpTargetConfig",
    "secret_from_environ",
    "xray_subsegments_enabled",
]

ENV_PREFIX = "MAILCANARY_"
# Set by the template from its XRaySubsegments parameter; Powertools reads the same variable.
TRACE_DISABLED_VARIABLE = "POWERTOOLS_TRACE_DISABLED"
# SMTP targets one round may have: each is a path (a thread slot, a record item, a session of up to a few
# minutes), and far more than this is a configuration mistake rather than a canary.
MAX_SMTP_TARGETS = 500


class SmtpTargetConfig(BaseModel):
    """One SMTP target: an SES SMTP endpoint in some region, or any MTA or relay."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$", description="metric Target value")
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    tls: Literal["starttls", "implicit", "none"] = "starttls"
    auth: bool = True  # AUTH with the credentials in the SMTP secret
    ca_file: str | None = Field(default=None, min_length=1, description="PEM of a private CA to trust")
    timeout_seconds: float | None = Field(
        default=None, gt=0, le=300, description="one timeout for every SMTP stage; None keeps the per-stage defaults"
    )


class RecipientsConfig(BaseModel):
    """Intended recipients of every canary; empty means the SES mailbox simulator defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()


def _json_if_text(value: Any) -> Any:
    """Environment variables carry JSON text; Python callers may pass the structure itself."""
    if isinstance(value, str):
        return json.loads(value) if value.strip() else None
    return value


class Settings(BaseModel):
    """Everything a canary round, the reconciler and the sweeper need to know about their environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sender: str = Field(default="canary@example.com", description="MAIL FROM and From: address")
    ses_region: str = Field(default="us-east-1", description="region of the SES API path")
    table_name: str = Field(default="mailcanary-canaries", min_length=3, description="DynamoDB canary records")
    idempotency_table_name: str = Field(
        default="mailcanary-idempotency", min_length=3, description="DynamoDB table of Powertools idempotency"
    )
    lost_after_seconds: int = Field(
        default=900, gt=0, description="a canary with no terminal outcome this long after its start is lost"
    )
    alert_topic_arn: str = Field(default="", description="SNS topic for alerts; empty disables alerts")
    configuration_set: str = Field(
        default="mailcanary", description="SES configuration set (with the event destination) of every SES send"
    )
    configuration_set_region: str = Field(
        default="",
        description="the one region the configuration set exists in (empty: the SES region); SES sends to other "
        "regions go without it, so SES publishes no events for them",
    )
    ses_api: Literal["v1", "v2"] = Field(default="v1", description="SES v1 SendRawEmail or SESv2 SendEmail (raw)")
    smtp_secret_arn: str = Field(default="", description="Secrets Manager secret with SMTP username/password")
    smtp_targets: tuple[SmtpTargetConfig, ...] = Field(
        default=(), max_length=MAX_SMTP_TARGETS, description="JSON list of SMTP targets"
    )
    recipients: RecipientsConfig = Field(default_factory=RecipientsConfig, description="JSON {to, cc, bcc}")
    conformance: bool = Field(default=False, description="run the SMTP out-of-order probe in every round")
    receiving_domain: str = Field(
        default="",
        max_length=253,
        pattern=r"^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+)?$",
        description="domain whose mail SES receives for proof of arrival (empty: no SES inbound receiver)",
    )
    artifact_bucket: str = Field(
        default="", description="S3 bucket for each round's transcripts, MIME and SES events; empty: none kept"
    )
    # The IMAP mailbox the scheduled poll reads canaries back from (set only on that function; empty host: none).
    imap_host: str = Field(default="", max_length=253, description="IMAP server of the receiving mailbox")
    imap_port: int = Field(default=0, ge=0, lt=65536, description="IMAP port (0: 993 implicit TLS, 143 STARTTLS)")
    imap_tls: Literal["implicit", "starttls"] = Field(default="implicit", description="IMAPS, or IMAP with STARTTLS")
    imap_secret_arn: str = Field(default="", description="Secrets Manager secret {username, password} of the mailbox")
    imap_max_messages: int = Field(default=50, gt=0, le=1000, description="copies one IMAP poll reads at most")

    @property
    def receiver_configured(self) -> bool:
        """Whether a receiver reads the canaries where they land: SMTP paths to targets that are not SES then wait
        for their arrived copy instead of being decided when the target accepts them."""
        return bool(self.receiving_domain)

    @property
    def events_region(self) -> str:
        """The region whose SES sends publish events to mailcanary (where the configuration set exists)."""
        return self.configuration_set_region or self.ses_region

    @field_validator("smtp_targets", mode="before")
    @classmethod
    def _targets_from_json(cls, value: Any) -> Any:
        return _json_if_text(value) or ()

    @field_validator("recipients", mode="before")
    @classmethod
    def _recipients_from_json(cls, value: Any) -> Any:
        return _json_if_text(value) or {}

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `MAILCANARY_<FIELD>` variables; unknown fields are ignored, bad values raise."""
        source = os.environ if environ is None else environ
        values = {
            name: source[ENV_PREFIX + name.upper()] for name in cls.model_fields if ENV_PREFIX + name.upper() in source
        }
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            variable = ENV_PREFIX + str(first["loc"][0]).upper() if first["loc"] else "settings"
            raise ConfigError(f"{variable}: {first['msg']}") from exc


def secret_from_environ(variable: str, environ: Mapping[str, str] | None = None) -> Secret:
    """The value of the environment variable a user named for a secret (e.g. `--auth-password-env`).

    Secrets are passed by variable name so they never appear on a command line or in shell history.
    """
    source = os.environ if environ is None else environ
    value = source.get(variable)
    if not value:
        raise ConfigError(f"{variable}: environment variable is not set or empty")
    return Secret(value)


def xray_subsegments_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the handlers load the Powertools Tracer (and with it the X-Ray SDK) at all.

    Read once, when a handler module is imported: the decision is which modules to import, so it cannot wait
    for the first invocation. Off when `POWERTOOLS_TRACE_DISABLED` is true in Powertools' own spelling
    ("1", "true", "yes", "on", ...); the template sets it from the `XRaySubsegments` parameter.
    """
    from aws_lambda_powertools.shared.functions import strtobool

    source = os.environ if environ is None else environ
    try:
        return not strtobool(source.get(TRACE_DISABLED_VARIABLE, "false"))
    except ValueError as exc:
        raise ConfigError(f"{TRACE_DISABLED_VARIABLE}: not a boolean: {source[TRACE_DISABLED_VARIABLE]!r}") from exc
