"""Errors of the SMTP path."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError

__all__ = ["FormatNotRecognisedError", "SmtpPathError", "TranscriptFormatError"]


class SmtpPathError(MailcanaryError):
    """Raised when an SMTP probe cannot even be attempted (bad target, bad options)."""


class TranscriptFormatError(SmtpPathError):
    """Raised when a saved transcript (JSON, swaks text, a log or a capture) cannot be read; says where."""


class FormatNotRecognisedError(TranscriptFormatError):
    """Raised when no transcript reader recognises a file; the message lists the formats that are read."""
