"""The settings model: the only place in mailcanary that reads the environment.

Invalid configuration fails fast with a `ConfigError` naming the variable. Later modules add fields here
rather than reading `os.environ` themselves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mailcanary.errors import ConfigError

__all__ = ["ENV_PREFIX", "Settings"]

ENV_PREFIX = "MAILCANARY_"


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
