"""Errors of the SMTP path."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError

__all__ = ["SmtpPathError", "TranscriptFormatError"]


class SmtpPathError(MailcanaryError):
    """Raised when an SMTP probe cannot even be attempted (bad target, bad options)."""


class TranscriptFormatError(SmtpPathError):
    """Raised when a saved transcript (JSON or swaks text) cannot be read; says where it went wrong."""
