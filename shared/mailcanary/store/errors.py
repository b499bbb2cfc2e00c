"""Errors of the canary record store."""

from __future__ import annotations

from mailcanary.core.checks import CanaryState
from mailcanary.core.errors import MailcanaryError

__all__ = ["CanaryExistsError", "HistoryQueryError", "HistoryTooLargeError", "StoreError", "TransitionConflictError"]


class StoreError(MailcanaryError):
    """Raised when DynamoDB refuses or fails a read or write, or a stored item cannot be decoded."""


class TransitionConflictError(StoreError):
    """Raised when a state change loses its conditional write: the record already left `pending`."""

    def __init__(self, message: str, *, current: CanaryState | None) -> None:
        super().__init__(message)
        self.current = current


class CanaryExistsError(StoreError):
    """Raised when a canary is created under an id the table already holds; nothing was written or changed."""


class HistoryQueryError(StoreError):
    """Raised when a history query asks for no rounds, or for an impossible window (since after until)."""


class HistoryTooLargeError(StoreError):
    """Raised when a history window holds more rounds than one call reads whole."""
