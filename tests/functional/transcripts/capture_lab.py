"""A loopback SMTP server and the scenarios every capture-format test drives a real program through.

The server is aiosmtpd on 127.0.0.1 with STARTTLS offered (certificate made at start by trustme), AUTH
allowed in clear text (so AUTH before TLS can be captured), PIPELINING advertised only when asked, and
`bounce@` recipients refused with 550 5.1.1. Each scenario names what the sequence validator must find.
"""

from __future__ import annotations

import shutil
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

USER, PASSWORD = "canary", "capture-lab-secret"
FROM, TO, REFUSED = "canary@example.com", "inbox@example.com", "bounce@example.com"
ROOT = Path(__file__).resolve().parents[3]
TOOLS = ROOT / ".tools"  # npm packages installed by scripts/capture-tools.sh


@dataclass(frozen=True)
class Scenario:
    name: str
    rules: tuple[str, ...] = ()  # the client rules the validator must name, in order of first appearance

    @property
    def valid(self) -> bool:
        return not self.rules


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("ok"),
        Scenario("refused-recipient"),
        Scenario("data-before-rcpt", ("rcpt-before-data",)),
        Scenario("rcpt-before-mail", ("mail-before-rcpt",)),
        Scenario("mail-before-ehlo", ("helo-before-mail",)),
        Scenario("pipelining-not-advertised", ("pipelining-not-advertised",)),
        Scenario("auth-before-tls", ("auth-before-tls",)),
        Scenario("no-ehlo-after-starttls", ("ehlo-after-starttls",)),
    )
}


@dataclass(frozen=True)
class Lab:
    host: str
    port: int
    ca_file: Path


class _Sink:
    pipelining = False

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("bounce@"):
            return "550 5.1.1 <bounce@example.com>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 2.0.0 Ok: queued as LAB1"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Controller(Controller):
    def __init__(self, tls: ssl.SSLContext, port: int, pipelining: bool) -> None:
        self._tls = tls
        handler = _Sink()
        handler.pipelining = pipelining
        super().__init__(handler, hostname="127.0.0.1", port=port)

    def factory(self) -> SMTP:
        return SMTP(
            self.handler,
            hostname="mx.lab.test",
            tls_context=self._tls,
            authenticator=_authenticate,
            auth_require_tls=False,
        )


@contextmanager
def lab_server(tmp: Path, *, pipelining: bool = False) -> Iterator[Lab]:
    """The server, running until the block ends; `ca_file` is the CA that signed its certificate."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp / "lab-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    controller = _Controller(context, free_port(), pipelining)
    controller.start()
    try:
        yield Lab("127.0.0.1", controller.port, ca_file)
    finally:
        controller.stop()


def program(name: str) -> str | None:
    return shutil.which(name)


SMTPLIB_SCRIPT = str(Path(__file__).resolve().parent / "smtplib_capture.py")  # run as a script, own stderr
