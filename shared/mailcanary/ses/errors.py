"""Errors of the SES side (events today; the API sender may add its own classes here)."""

from __future__ import annotations

from mailcanary.errors import MailcanaryError

__all__ = ["SesEventError", "SesEventParseError"]


class SesEventError(MailcanaryError):
    """Raised when an SES event (event publishing or legacy notification) cannot be handled."""


class SesEventParseError(SesEventError):
    """Raised when an SES event or its SNS envelope is not JSON, or lacks what every event must carry."""
