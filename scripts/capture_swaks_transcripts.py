"""Capture real swaks transcripts against local aiosmtpd servers, for the transcript-loader tests.

Run `.venv/bin/python scripts/capture_swaks_transcripts.py` on a machine with swaks installed (Debian:
`apt-get install swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl`). It starts each
server on 127.0.0.1 with a certificate made at start (trustme), runs swaks once per scenario and writes
swaks' own stdout to tests/data/transcripts/<scenario>.swaks.txt. The password used is a throwaway
that exists only for the capture; the tests check it never reaches check-transcript's output.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "transcripts"
USER, PASSWORD = "canary", "capture-only-secret"


class _Sink:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("bounce@"):
            return "550 5.1.1 <bounce@simulator.amazonses.com>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 2.0.0 Ok: queued as CAPTURE1"


class _PipeliningSink(_Sink):
    """aiosmtpd reads commands one at a time, so pipelined commands work; it just never advertises them."""

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    expected = (USER.encode(), PASSWORD.encode())
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == expected
    return AuthResult(success=ok, handled=False)


class _Refuse503OnData(SMTP):
    """A server that answers the DATA command itself with 503, like a server that lost the transaction."""

    async def smtp_DATA(self, arg: str) -> None:
        await self.push("503 5.5.1 Error: need RCPT command")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Factory(Controller):
    def __init__(self, smtp_class: type[SMTP], handler: _Sink, **kwargs: Any) -> None:
        self._smtp_class = smtp_class
        wrapper = kwargs.pop("implicit_tls", None)  # TLS from the first byte, as on port 465
        self._kwargs = kwargs
        super().__init__(handler, hostname="127.0.0.1", port=_free_port(), ssl_context=wrapper)

    def factory(self) -> SMTP:
        return self._smtp_class(self.handler, hostname="mx.lab.test", **self._kwargs)


def _swaks(port: int, *extra: str) -> str:
    command = ["swaks", "--server", f"127.0.0.1:{port}", "--helo", "client.lab.test", "--from", "canary@sender.test"]
    if "--to" not in extra:
        command += ["--to", "success@simulator.amazonses.com"]
    command += extra
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    return done.stdout


def main() -> int:
    ca = trustme.CA()
    cert = ca.issue_cert("mx.lab.test", "127.0.0.1")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(tls)
    auth = {"authenticator": _authenticate, "auth_require_tls": True, "tls_context": tls}
    implicit = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(implicit)
    two_rcpts = ("--to", "bounce@simulator.amazonses.com,success@simulator.amazonses.com")
    scenarios: list[tuple[str, type[SMTP], dict[str, Any], tuple[str, ...]]] = [
        ("plain-ok", SMTP, {}, ()),
        ("pipelining-ok", SMTP, {}, ("--pipeline", *two_rcpts)),
        ("rcpt-refused", SMTP, {}, ("--to", "bounce@simulator.amazonses.com")),
        ("rcpt-partly-refused", SMTP, {}, two_rcpts),
        ("starttls-auth-login-ok", SMTP, auth, ("-tls", "--auth", "LOGIN", "--au", USER, "--ap", PASSWORD)),
        ("starttls-auth-plain-ok", SMTP, auth, ("-tls", "--auth", "PLAIN", "--au", USER, "--ap", PASSWORD)),
        (
            "auth-in-clear",
            SMTP,
            {"authenticator": _authenticate, "auth_require_tls": False},
            ("--auth", "PLAIN", "--au", USER, "--ap", PASSWORD),
        ),
        ("data-refused-503", _Refuse503OnData, {}, ()),
        ("suppress-data-ok", SMTP, {}, ("--suppress-data",)),
        ("tls-on-connect-ok", SMTP, {"implicit_tls": implicit}, ("--tls-on-connect",)),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    for name, smtp_class, kwargs, extra in scenarios:
        handler = _PipeliningSink() if name.startswith("pipelining") else _Sink()
        controller = _Factory(smtp_class, handler, **kwargs)
        controller.start()
        try:
            text = _swaks(controller.port, *extra)
        finally:
            controller.stop()
        (OUT / f"{name}.swaks.txt").write_text(text)
        print(f"wrote {name}.swaks.txt ({len(text.splitlines())} lines)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
