"""The root of mailcanary's error hierarchy; every package's errors derive from `MailcanaryError`."""

from __future__ import annotations

__all__ = ["ConfigError", "MailcanaryError", "UsageError"]


class MailcanaryError(Exception):
    """Raised for any failure mailcanary reports itself (never a bare traceback)."""


class ConfigError(MailcanaryError):
    """Raised when settings from the environment or a file are missing or invalid; names the variable."""


class UsageError(MailcanaryError):
    """Raised when a command-line or event input is malformed; the CLI exits 2 with the message."""
