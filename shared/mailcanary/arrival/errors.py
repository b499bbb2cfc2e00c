"""Errors of the arrival package: arrived mail is untrusted input, and every way it can be unusable is typed."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError

__all__ = [
    "ArrivalError",
    "ArrivalParseError",
    "ArrivalTooLargeError",
    "ArrivedMessageError",
    "ReceivedNotificationError",
    "VerpError",
]


class ArrivalError(MailcanaryError):
    """Raised when an arrived message, a receiver's report about it or a returned bounce cannot be handled."""


class ArrivalParseError(ArrivalError):
    """Raised when arrived bytes cannot be read as a message (empty, MIME nested past the limit, not bytes)."""


class ArrivalTooLargeError(ArrivalParseError):
    """Raised when arrived bytes exceed `MAX_ARRIVED_BYTES`: refused before anything past the size is read."""


class ReceivedNotificationError(ArrivalError):
    """Raised when an SES "Received" notification is not JSON, not a receipt, or lacks what we need from it."""


class ArrivedMessageError(ArrivalError):
    """Raised when the stored copy of an arrived message cannot be read (missing, empty, access refused)."""


class VerpError(ArrivalError):
    """Raised when a VERP return address cannot be made (a local part over 64 octets) or read (not ours)."""
