"""The IMAP receiver's errors: each names the stage that failed; none ever shows the password."""

from __future__ import annotations

from mailcanary.core.errors import ConfigError, MailcanaryError

__all__ = [
    "ImapAuthError",
    "ImapConfigError",
    "ImapConnectError",
    "ImapError",
    "ImapPlaintextRefusedError",
    "ImapProtocolError",
    "ImapTimeoutError",
    "ImapTlsError",
]


class ImapError(MailcanaryError):
    """Raised when the mailbox cannot be read; the text is already redacted."""


class ImapConnectError(ImapError):
    """Raised when the server cannot be reached, or closes the connection."""


class ImapTlsError(ImapError):
    """Raised when TLS fails: handshake, certificate or host name not verified, STARTTLS refused."""


class ImapPlaintextRefusedError(ImapTlsError):
    """Raised instead of logging in when the connection is not encrypted (no STARTTLS offered)."""


class ImapAuthError(ImapError):
    """Raised when the server refuses the login."""


class ImapProtocolError(ImapError):
    """Raised when the server refuses a command after login, or answers with something unreadable or too large."""


class ImapTimeoutError(ImapError):
    """Raised when the server does not answer before the poll's deadline."""


class ImapConfigError(ConfigError):
    """Raised when the mailbox settings or the IMAP secret are missing or invalid (never shows the password)."""
