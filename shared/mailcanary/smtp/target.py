"""Where and how to reach an SMTP server: host, port, TLS mode, credentials and per-stage timeouts.

Certificate and hostname verification are on unless `insecure_skip_tls_verify` is set; the password is a
`Secret` and is left out of the target's repr.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mailcanary.core.secret import Secret
from mailcanary.smtp.errors import SmtpPathError

__all__ = ["DEFAULT_PORTS", "SmtpTarget", "Timeouts", "TlsMode"]


class TlsMode(StrEnum):
    """How the session protects itself.

    REQUIRED: STARTTLS must be advertised and succeed (default). OPPORTUNISTIC: STARTTLS when advertised,
    clear text when it is not advertised or the server refuses the command. NONE: never TLS. WRAPPER:
    implicit TLS from the first byte (ports 465/2465).
    """

    REQUIRED = "required"
    OPPORTUNISTIC = "opportunistic"
    NONE = "none"
    WRAPPER = "wrapper"


DEFAULT_PORTS = {TlsMode.REQUIRED: 587, TlsMode.OPPORTUNISTIC: 587, TlsMode.NONE: 587, TlsMode.WRAPPER: 465}


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds allowed per stage: opening the connection (and the implicit-TLS handshake), waiting for the
    banner, each command's reply, and the reply after the final dot (servers scan the message then)."""

    connect: float = 10.0
    banner: float = 30.0
    command: float = 30.0
    data_end: float = 60.0

    def __post_init__(self) -> None:
        for name in ("connect", "banner", "command", "data_end"):
            if not getattr(self, name) > 0:
                raise SmtpPathError(f"timeout {name} must be positive, got {getattr(self, name)!r}")

    @classmethod
    def uniform(cls, seconds: float) -> Timeouts:
        """The same timeout for every stage (the CLI's `--timeout`)."""
        return cls(seconds, seconds, seconds, seconds)


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    """An SMTP server and how to talk to it."""

    host: str
    port: int
    tls: TlsMode = TlsMode.REQUIRED
    username: str | None = None
    password: Secret | None = field(default=None, repr=False, compare=False)
    timeouts: Timeouts = field(default_factory=Timeouts)
    helo_name: str = "localhost"
    ca_file: str | None = None
    insecure_skip_tls_verify: bool = False
    allow_auth_without_tls: bool = False

    def __post_init__(self) -> None:
        if not self.host or any(ch.isspace() for ch in self.host):
            raise SmtpPathError(f"invalid SMTP host {self.host!r}")
        if not 0 < self.port < 65536:
            raise SmtpPathError(f"invalid SMTP port {self.port!r}")
        if (self.username is None) != (self.password is None):
            raise SmtpPathError("AUTH needs both a username and a password")
        if not self.helo_name or any(ch.isspace() for ch in self.helo_name):
            raise SmtpPathError(f"invalid HELO name {self.helo_name!r}")

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context: system trust store (or `ca_file`), certificate and hostname checked."""
        try:
            context = ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise SmtpPathError(f"cannot load CA file {self.ca_file!r}: {exc}") from exc
        if self.insecure_skip_tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description of the target; never includes the password."""
        return {
            "host": self.host,
            "port": self.port,
            "tls": self.tls.value,
            "username": self.username,
            "helo_name": self.helo_name,
            "ca_file": self.ca_file,
            "insecure_skip_tls_verify": self.insecure_skip_tls_verify,
            "allow_auth_without_tls": self.allow_auth_without_tls,
        }
