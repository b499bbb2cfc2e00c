"""The loopback SMTP lab server of the transcript tests: aiosmtpd on 127.0.0.1, driven by real clients.

One shape for every test that needs "an MTA that answers like one": `bounce@` recipients refused with
550 5.1.1, everything else accepted and queued; with a CA, STARTTLS offered (certificate for 127.0.0.1 and
localhost) and AUTH PLAIN/LOGIN for one user; PIPELINING advertised only when asked. Without a CA it is plain
SMTP with no AUTH. Whether AUTH (and everything else) needs TLS first is the caller's choice: the capture tests
allow AUTH in clear text so that AUTH before TLS can be captured; the live sequence tests require STARTTLS.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["HOST", "USER", "SmtpLab", "free_port", "smtp_lab"]

HOST = "127.0.0.1"
USER = "canary"
SERVER_NAME = "mx.lab.test"


@dataclass(frozen=True)
class SmtpLab:
    host: str
    port: int
    ca_file: Path | None  # the PEM of the CA that signed the server's certificate (None: no TLS)


def free_port() -> int:
    """A loopback port nothing listens on now (aiosmtpd's Controller cannot take port 0)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class _Mailbox:
    """Refuses `bounce@` recipients, accepts and queues the rest; advertises PIPELINING when asked."""

    def __init__(self, pipelining: bool) -> None:
        self.pipelining = pipelining

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("bounce@"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 2.0.0 Ok: queued as LAB1"


class _Controller(Controller):
    def __init__(self, handler: _Mailbox, tls: ssl.SSLContext | None, password: str, require_tls: bool) -> None:
        self._tls = tls
        self._password = password
        self._require_tls = require_tls
        super().__init__(handler, hostname=HOST, port=free_port())

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            self._password.encode(),
        )
        return AuthResult(success=ok, handled=False)  # handled=True on a failure would leave the client waiting

    def factory(self) -> SMTP:
        if self._tls is None:
            return SMTP(self.handler, hostname=SERVER_NAME)
        return SMTP(
            self.handler,
            hostname=SERVER_NAME,
            tls_context=self._tls,
            require_starttls=self._require_tls,
            authenticator=self._authenticate,
            auth_require_tls=self._require_tls,
        )


@contextmanager
def smtp_lab(
    ca: trustme.CA | None,
    ca_file: Path | None = None,
    *,
    password: str = "",
    pipelining: bool = False,
    require_tls: bool = False,
) -> Iterator[SmtpLab]:
    """The server, running until the block ends. With `ca`, STARTTLS and AUTH (`USER`/`password`) are offered,
    and the CA's certificate is written to `ca_file` when one is given."""
    tls = None
    if ca is not None:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(HOST, "localhost").configure_cert(tls)
        if ca_file is not None:
            ca.cert_pem.write_to_path(str(ca_file))
    controller = _Controller(_Mailbox(pipelining), tls, password, require_tls)
    controller.start()
    try:
        yield SmtpLab(HOST, controller.port, ca_file)
    finally:
        controller.stop()
