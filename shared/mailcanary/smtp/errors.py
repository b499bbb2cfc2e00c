"""Errors of the SMTP path."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError

__all__ = [
    "FormatNotRecognisedError",
    "MalformedReplyError",
    "ReplyTooLargeError",
    "SmtpPathError",
    "SmtpServerError",
    "StageTimeoutError",
    "TranscriptFormatError",
]


class SmtpPathError(MailcanaryError):
    """Raised when an SMTP probe cannot even be attempted (bad target, bad options)."""


class TranscriptFormatError(SmtpPathError):
    """Raised when a saved transcript (JSON, swaks text, a log or a capture) cannot be read; says where."""


class FormatNotRecognisedError(TranscriptFormatError):
    """Raised when no transcript reader recognises a file; the message lists the formats that are read."""


class SmtpServerError(MailcanaryError):
    """Raised inside a session when the server breaks the protocol or a bound; the session ends with its stage's
    exit code. Deliberately not an `OSError`: smtplib would rewrap it as a disconnection."""


class StageTimeoutError(SmtpServerError):
    """Raised when a stage (connect, banner, a command's reply, the final dot) or the round's budget runs out."""


class ReplyTooLargeError(SmtpServerError):
    """Raised when a reply line, or a whole multi-line reply, exceeds its bound (see `smtp.reader.ReplyLimits`)."""


class MalformedReplyError(SmtpServerError):
    """Raised when a reply line has no 3-digit code or a multi-line reply changes its code part-way."""
