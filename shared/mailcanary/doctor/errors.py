"""Errors of `mailcanary doctor`."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError

__all__ = ["DoctorError", "StackNotReadableError"]


class DoctorError(MailcanaryError):
    """Root of the doctor's errors."""


class StackNotReadableError(DoctorError):
    """Raised when the stack cannot be described: no such stack, no credentials or no permission."""
