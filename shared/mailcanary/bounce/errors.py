"""Errors of the bounce parser."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError

__all__ = ["BounceError", "BounceParseError", "BounceTooDeepError", "BounceTooLargeError"]


class BounceError(MailcanaryError):
    """Raised when a bounce message cannot be handled."""


class BounceParseError(BounceError):
    """Raised when input cannot be read as a mail message at all (empty, too large, undecodable structure)."""


class BounceTooLargeError(BounceParseError):
    """Raised when a message exceeds the size limit (`MAX_MESSAGE_BYTES`): read no further, report the limit."""


class BounceTooDeepError(BounceParseError):
    """Raised when MIME parts nest deeper than `MAX_DEPTH`: no bounce nests that far, only a hostile input."""
