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


SMTPLIB_SCRIPT = """
import base64, smtplib, socket, ssl, sys, time
host, port, level, scenario, cafile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
FROM, TO, REFUSED = (sys.argv[6:9] + ["canary@example.com", "inbox@example.com", "bounce@example.com"][len(sys.argv[6:9]):])
NAME = FROM.split("@")[0] + ".test"  # the EHLO name: carries the sender's token, to find the session in a log
MSG = "From: <%s>\\r\\nTo: <%s>\\r\\nSubject: capture\\r\\n\\r\\nbody line\\r\\n" % (FROM, TO)
if scenario == "early-talker":  # a client that talks before the greeting (smtplib cannot, so a raw socket)
    raw = socket.create_connection((host, port), timeout=10)
    raw.sendall(b"EHLO " + NAME.encode() + b"\\r\\n"); time.sleep(0.3)
    raw.sendall(b"QUIT\\r\\n"); time.sleep(0.3); raw.close(); sys.exit(0)
s = smtplib.SMTP(host, port, timeout=10)
s.set_debuglevel(level)
if scenario == "ok":
    s.sendmail(FROM, [TO], MSG)
elif scenario == "refused-recipient":
    s.sendmail(FROM, [TO, REFUSED], MSG)
elif scenario == "data-before-rcpt":
    s.ehlo(NAME); s.mail(FROM); s.docmd("DATA")
elif scenario == "rcpt-before-mail":
    s.ehlo(NAME); s.docmd("RCPT", "TO:<%s>" % TO)
elif scenario == "mail-before-ehlo":
    s.docmd("MAIL", "FROM:<%s>" % FROM)
elif scenario == "pipelining-not-advertised":
    s.ehlo(NAME); s.send("MAIL FROM:<%s>\\r\\nRCPT TO:<%s>\\r\\n" % (FROM, TO)); s.getreply(); s.getreply()
elif scenario == "auth-before-tls":
    s.ehlo(NAME)
    if s.has_extn("auth"):
        s.login("canary", "capture-lab-secret")
    else:  # smtplib will not send AUTH a server did not advertise; a careless client does
        s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\\0canary\\0capture-lab-secret").decode())
elif scenario == "no-ehlo-after-starttls":
    s.ehlo(NAME); s.starttls(context=ssl.create_default_context(cafile=cafile))
    s.docmd("MAIL", "FROM:<%s>" % FROM)
s.quit()
"""
