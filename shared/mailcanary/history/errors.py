"""Errors of `mailcanary history`."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError

__all__ = ["HistoryError", "SourceNotReadableError"]


class HistoryError(MailcanaryError):
    """Root of the history command's errors."""


class SourceNotReadableError(HistoryError):
    """Raised when the stack or the canary table cannot be read: no such stack or table, no credentials, no access."""
