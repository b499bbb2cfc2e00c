"""An SES-like SMTP endpoint on 127.0.0.1 for the demo, the tests and the fault lab.

Like the SES SMTP interface it offers STARTTLS (certificate made at start by a throwaway CA whose PEM
clients can trust), requires AUTH PLAIN/LOGIN after TLS, and answers the final dot with
`250 Ok <message-id>`. It records each accepted message (envelope, raw content, message id) so tests can
compare what was sent with what was "delivered". Faults (`SmtpFault`) make it misbehave on purpose.

    with LabSmtpEndpoint(faults={SmtpFault.RCPT_REFUSED}) as endpoint:
        result = send_canary(endpoint.target(), "canary@example.com", ["a@example.com"], message)
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from mailcanary.core.secret import Secret
from mailcanary.lab.certs import LAB_HOSTNAMES, WRONG_HOSTNAME, LabCertificates, make_certificates
from mailcanary.lab.faults import SmtpFault
from mailcanary.smtp.target import SmtpTarget, Timeouts, TlsMode

__all__ = ["DeliveredMessage", "LabSmtpEndpoint", "LabTls"]

_HOST = "127.0.0.1"  # the lab never listens anywhere else
_START_ATTEMPTS = 5


class LabTls(StrEnum):
    """How the lab endpoint offers TLS."""

    STARTTLS = "starttls"
    IMPLICIT = "implicit"  # TLS from the first byte, like port 465
    NONE = "none"


@dataclass(frozen=True, slots=True)
class DeliveredMessage:
    """One message the endpoint accepted, as it would deliver it (faults may have altered it)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    message_id: str
    tls: bool
    login: str | None
    accepted_at: datetime | None = None  # when the final dot was answered


def _quiet_aiosmtpd_deprecation(record: logging.LogRecord) -> bool:
    # aiosmtpd itself sets the deprecated Session.login_data on every AUTH and logs a warning about it.
    return "login_data is deprecated" not in record.getMessage()


def _free_port() -> int:
    # aiosmtpd's Controller cannot bind port 0 itself (it must know the port to trigger its factory).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((_HOST, 0))
        return int(probe.getsockname()[1])


class LabSmtpEndpoint:
    """The lab SMTP endpoint; a context manager that starts on a free loopback port and stops on exit."""

    def __init__(
        self,
        *,
        tls: LabTls = LabTls.STARTTLS,
        require_auth: bool = True,
        username: str = "mailcanary-lab",
        password: Secret | None = None,
        faults: Iterable[SmtpFault] = (),
        banner_delay: float = 5.0,
        auth_mechanisms: Iterable[str] = ("LOGIN", "PLAIN"),
        ses_like: bool = True,
        certificate_not_after: datetime | None = None,
    ) -> None:
        self.tls = tls
        self.require_auth = require_auth
        self.username = username
        self.password = password or Secret(secrets.token_urlsafe(18))
        self.faults = frozenset(faults)
        self.banner_delay = banner_delay
        self.auth_mechanisms = frozenset(each.upper() for each in auth_mechanisms)
        self.ses_like = ses_like  # False: a plain MTA's "queued as" reply, no SES message id (a relay)
        self.certificate_not_after = certificate_not_after  # None: the lab CA's default validity
        self.host = _HOST
        self.port = 0
        self.armed = False  # faults that stall only start once the endpoint is up (aiosmtpd probes itself)
        self._delivered: list[DeliveredMessage] = []
        self._lock = threading.Lock()
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._controller: Any = None
        self.connections: set[Any] = set()  # open server-side sessions, touched only on the server's loop
        self.certificates: LabCertificates | None = None

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> LabSmtpEndpoint:
        from mailcanary.lab.smtp_server import LabHandler, authenticator

        logging.getLogger("mail.log").addFilter(_quiet_aiosmtpd_deprecation)
        self._tempdir = tempfile.TemporaryDirectory(prefix="mailcanary-lab-")
        tls_context = None
        if self.tls is not LabTls.NONE:
            hostnames = (WRONG_HOSTNAME,) if SmtpFault.BAD_CERTIFICATE in self.faults else LAB_HOSTNAMES
            self.certificates = make_certificates(
                Path(self._tempdir.name), hostnames=hostnames, not_after=self.certificate_not_after
            )
            tls_context = self.certificates.server_context
        smtp_kwargs: dict[str, Any] = {
            "server_hostname": "localhost",
            "ident": "mailcanary lab (SES-like)" if self.ses_like else "mailcanary lab relay",
            "authenticator": authenticator(self),
            "auth_required": self.require_auth,
            "auth_require_tls": True,
            "auth_without_tls": self.tls is not LabTls.STARTTLS,
            "auth_exclude_mechanism": sorted({"LOGIN", "PLAIN"} - self.auth_mechanisms),
        }
        if self.tls is LabTls.STARTTLS:
            smtp_kwargs |= {"tls_context": tls_context, "require_starttls": True}
        ssl_context = tls_context if self.tls is LabTls.IMPLICIT else None
        handler = LabHandler(self)
        last_error: Exception | None = None
        for _ in range(_START_ATTEMPTS):  # a free port can be taken between probing and binding
            self.port = _free_port()
            controller = _controller_class()(
                handler, hostname=_HOST, port=self.port, ssl_context=ssl_context, **smtp_kwargs
            )
            try:
                controller.start()
            except (OSError, RuntimeError, TimeoutError) as exc:
                last_error = exc
                continue
            self._controller = controller
            self.armed = True
            return self
        self._cleanup()
        raise RuntimeError(f"lab SMTP endpoint could not start: {last_error}")

    def stop(self) -> None:
        self.armed = False
        if self._controller is not None:
            from mailcanary.lab.smtp_server import abort_connections

            # aiosmtpd stops its loop without closing accepted connections; close them first.
            closing = asyncio.run_coroutine_threadsafe(abort_connections(self.connections), self._controller.loop)
            try:
                closing.result(timeout=5)
            except TimeoutError:  # (concurrent.futures.TimeoutError is TimeoutError since 3.11)
                closing.cancel()
            self._controller.stop()
            self._controller = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> LabSmtpEndpoint:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what clients need ---------------------------------------------------------------------------
    @property
    def ca_file(self) -> str | None:
        """Path of the lab CA's PEM file (valid while the endpoint runs); None without TLS."""
        return str(self.certificates.ca_file) if self.certificates else None

    @property
    def ca_pem(self) -> bytes | None:
        return self.certificates.ca_pem if self.certificates else None

    def target(self, **overrides: Any) -> SmtpTarget:
        """An `SmtpTarget` for this endpoint: its port, TLS mode, CA file and credentials."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "tls": {LabTls.STARTTLS: TlsMode.REQUIRED, LabTls.IMPLICIT: TlsMode.WRAPPER}.get(self.tls, TlsMode.NONE),
            "ca_file": self.ca_file,
            "timeouts": Timeouts(connect=5, banner=5, command=5, data_end=10),
        }
        if self.require_auth:
            values |= {"username": self.username, "password": self.password}
        if self.tls is LabTls.NONE and self.require_auth:
            values["allow_auth_without_tls"] = True
        return SmtpTarget(**(values | overrides))

    # -- what it received ----------------------------------------------------------------------------
    def record(
        self, mail_from: str, rcpt_tos: tuple[str, ...], content: bytes, message_id: str, tls: bool, login: str | None
    ) -> None:
        with self._lock:
            accepted = DeliveredMessage(mail_from, rcpt_tos, content, message_id, tls, login, datetime.now(UTC))
            self._delivered.append(accepted)

    @property
    def delivered(self) -> tuple[DeliveredMessage, ...]:
        with self._lock:
            return tuple(self._delivered)


def _controller_class() -> Any:
    """aiosmtpd's Controller building our fault-injecting SMTP (imported lazily: aiosmtpd is a lab extra)."""
    from aiosmtpd.controller import Controller

    from mailcanary.lab.smtp_server import LabSMTP

    class _LabController(Controller):
        def factory(self) -> LabSMTP:
            return LabSMTP(self.handler, **self.SMTP_kwargs)

    return _LabController
