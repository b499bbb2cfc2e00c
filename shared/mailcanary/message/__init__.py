"""Building one canary message (MIME with policy.SMTP, the canary id, recipients split the way SES needs them)."""

from __future__ import annotations

from mailcanary.message.build import (
    CANARY_ID_HEADER,
    SES_CONFIGURATION_SET_HEADER,
    SES_MESSAGE_TAGS_HEADER,
    CanaryMessage,
    build_canary,
    default_recipients,
    new_canary_id,
    restamp,
)

__all__ = [
    "CANARY_ID_HEADER",
    "SES_CONFIGURATION_SET_HEADER",
    "SES_MESSAGE_TAGS_HEADER",
    "CanaryMessage",
    "build_canary",
    "default_recipients",
    "new_canary_id",
    "restamp",
]
