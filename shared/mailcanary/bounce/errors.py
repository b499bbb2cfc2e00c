"""Errors of the bounce parser."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError

__all__ = ["BounceError", "BounceParseError"]


class BounceError(MailcanaryError):
    """Raised when a bounce message cannot be handled."""


class BounceParseError(BounceError):
    """Raised when input cannot be read as a mail message at all (empty, too large, undecodable structure)."""
