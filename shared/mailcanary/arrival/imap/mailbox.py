"""One IMAP mailbox to read canaries from: where it is, how to reach it safely, and the bounds of one poll.

Certificates are verified against the system's trust store (or `ca_file`) and the host name is checked; there is
no switch to turn that off. The password is a `Secret` and is only sent inside TLS.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from enum import StrEnum

from mailcanary.arrival.imap.errors import ImapConfigError
from mailcanary.arrival.model import MAX_ARRIVED_BYTES
from mailcanary.core.redaction import SecretForms
from mailcanary.core.secret import Secret

__all__ = ["DEFAULT_PORTS", "AfterRead", "ImapMailbox", "ImapTls"]


class ImapTls(StrEnum):
    """How the connection is encrypted: TLS from the first byte (IMAPS) or upgraded with STARTTLS."""

    IMPLICIT = "implicit"
    STARTTLS = "starttls"


class AfterRead(StrEnum):
    """What happens to a canary once read: deleted (the default), moved to `move_to`, or kept (debugging)."""

    DELETE = "delete"
    MOVE = "move"
    KEEP = "keep"


DEFAULT_PORTS = {ImapTls.IMPLICIT: 993, ImapTls.STARTTLS: 143}
# The most copies one poll may be configured to read.
_MAX_MESSAGES = 1000


def _sendable(text: str) -> bool:
    """Whether `text` can go into an IMAP quoted string: ASCII without control characters (CR LF would end the
    command early; imaplib encodes arguments as ASCII)."""
    return text.isascii() and not any(ord(c) < 32 or ord(c) == 127 for c in text)


@dataclass(frozen=True)
class ImapMailbox:
    """An IMAP mailbox and the bounds of one poll.

    `junk` empty means "find it" (SPECIAL-USE `\\Junk`, then the common names); `max_messages` bounds the copies
    read per poll, `max_bytes` each copy; `command_timeout` each server reply (the poll's deadline also applies).
    """

    host: str
    username: str
    password: Secret = field(repr=False)
    port: int = 0  # 0: 993 for implicit TLS, 143 for STARTTLS
    tls: ImapTls = ImapTls.IMPLICIT
    ca_file: str | None = None
    inbox: str = "INBOX"
    junk: str = ""
    after_read: AfterRead = AfterRead.DELETE
    move_to: str = ""
    max_messages: int = 50
    max_bytes: int = MAX_ARRIVED_BYTES
    command_timeout: float = 30.0

    def __post_init__(self) -> None:
        if not self.host or not self.username or not self.password:
            raise ImapConfigError("an IMAP mailbox needs a host, a username and a password")
        if self.port == 0:
            object.__setattr__(self, "port", DEFAULT_PORTS[self.tls])
        if not 0 < self.port < 65536:
            raise ImapConfigError(f"IMAP port {self.port} is not a TCP port")
        if (self.after_read is AfterRead.MOVE) != bool(self.move_to):
            raise ImapConfigError("moving read canaries needs a folder to move them to (and only then a folder)")
        if not 0 < self.max_messages <= _MAX_MESSAGES:
            raise ImapConfigError(f"messages per poll must be 1-{_MAX_MESSAGES}, not {self.max_messages}")
        if not 0 < self.max_bytes <= MAX_ARRIVED_BYTES:
            raise ImapConfigError(f"bytes per message must be 1-{MAX_ARRIVED_BYTES}, not {self.max_bytes}")
        if not self.command_timeout > 0:
            raise ImapConfigError("the IMAP command timeout must be positive")
        for name in (self.inbox, self.junk, self.move_to):  # sent as IMAP quoted strings: ASCII, no CR or LF
            if not _sendable(name):
                raise ImapConfigError(f"folder name {name!r} must be ASCII (modified UTF-7) without control characters")
        if not _sendable(self.username) or not _sendable(self.password.reveal()):
            raise ImapConfigError("the IMAP username and password must be ASCII without control characters")

    @property
    def address(self) -> str:
        """`imaps://host:port` (or `imap://` with STARTTLS): where copies are read, for evidence and errors."""
        scheme = "imaps" if self.tls is ImapTls.IMPLICIT else "imap"
        return f"{scheme}://{self.host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context: system trust store (or `ca_file`), certificate and host name verified."""
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ImapConfigError(f"cannot load the CA file {self.ca_file!r}: {exc}") from exc

    def forms(self) -> SecretForms:
        """Every form of the password a server could echo back, for `mailcanary.core.redaction`."""
        return SecretForms.of(self.username, (self.password.reveal(),))
