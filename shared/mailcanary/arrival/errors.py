"""Errors of proof of arrival: a receiver's input that cannot be read, or a copy too large to read."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError

__all__ = ["ArrivalError", "ArrivedMessageError", "ArrivedTooLargeError", "ReceivedNotificationError"]


class ArrivalError(MailcanaryError):
    """Raised when an arrived copy or a receiver's report about it cannot be read."""


class ReceivedNotificationError(ArrivalError):
    """Raised when an SES "Received" notification is not JSON, not a receipt, or lacks what we need from it."""


class ArrivedTooLargeError(ArrivalError):
    """Raised when an arrived copy is larger than `MAX_ARRIVED_BYTES`: refused before any of it is read."""


class ArrivedMessageError(ArrivalError):
    """Raised when the stored copy of an arrived message cannot be read (missing, empty, access refused)."""
