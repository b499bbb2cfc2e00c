"""The lab endpoint's SMTP behaviour on aiosmtpd: an SES-like handler and a server that injects faults.

Handler hooks answer RCPT, MAIL and the final dot; misbehaviours that must answer a command itself
(503 to DATA, 421 then hang up, a refused STARTTLS, a stalled banner) live in the `SMTP` subclass,
because aiosmtpd's handler hooks only run after its own checks.
"""

from __future__ import annotations

import asyncio
import hmac
import time
import uuid
from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any, AnyStr

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from mailcanary.lab.faults import SmtpFault

if TYPE_CHECKING:
    from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint

__all__ = ["LabHandler", "LabSMTP", "abort_connections", "authenticator"]

_PHANTOM = "<no recipient>"  # stands in for the missing RCPT when the broken server accepts DATA anyway
_MAX_DATA_LINES = 100_000


def ses_like_message_id() -> str:
    """A message id shaped like those the SES SMTP interface returns."""
    return f"{int(time.time() * 1000):016x}-{uuid.uuid4()}-000000"


class LabHandler:
    """aiosmtpd handler: SES-like answers, faults on RCPT/MAIL/DATA, and delivery into the endpoint's record."""

    def __init__(self, endpoint: LabSmtpEndpoint) -> None:
        self.endpoint = endpoint

    def _on(self, fault: SmtpFault) -> bool:
        return fault in self.endpoint.faults

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self._on(SmtpFault.THROTTLE_454):
            return "454 Throttling failure: Maximum sending rate exceeded."
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        envelope.mailcanary_dropped = []
        return "250 Ok"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self._on(SmtpFault.RCPT_REFUSED):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if self._on(SmtpFault.GREYLIST_451):
            return f"451 4.7.1 <{address}>: Recipient address rejected: Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        if self._on(SmtpFault.RCPT_SILENTLY_DROPPED) and len(envelope.rcpt_tos) > 1:
            getattr(envelope, "mailcanary_dropped", []).append(address)
        return "250 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._on(SmtpFault.REJECT_AFTER_DATA_554):
            return "554 Message rejected: Email address is not verified."
        dropped = set(getattr(envelope, "mailcanary_dropped", []))
        delivered = tuple(each for each in envelope.rcpt_tos if each != _PHANTOM and each not in dropped)
        content = bytes(envelope.original_content or envelope.content or b"")
        if self._on(SmtpFault.STRIP_CC_HEADER) and content:
            message = BytesParser(policy=policy.SMTP).parsebytes(content)
            del message["Cc"]
            content = message.as_bytes()
        message_id = ses_like_message_id() if self.endpoint.ses_like else uuid.uuid4().hex[:12].upper()
        auth_data = getattr(session, "auth_data", None)
        login = auth_data.login.decode("utf-8", "replace") if isinstance(auth_data, LoginPassword) else None
        tls = server.transport is not None and server.transport.get_extra_info("ssl_object") is not None
        self.endpoint.record(envelope.mail_from, delivered, content, message_id, tls, login)
        return f"250 Ok {message_id}" if self.endpoint.ses_like else f"250 2.0.0 Ok: queued as {message_id}"


class LabSMTP(SMTP):
    """aiosmtpd's SMTP with the command-level faults."""

    def __init__(self, handler: LabHandler, *, auth_without_tls: bool = False, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.endpoint = handler.endpoint
        self._banner_sent = False
        if auth_without_tls:
            # Implicit TLS (no STARTTLS layer for aiosmtpd to see) or the plain lab: AUTH without STARTTLS.
            self._auth_require_tls = False

    def _on(self, fault: SmtpFault) -> bool:
        return fault in self.endpoint.faults

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.endpoint.connections.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        self.endpoint.connections.discard(self)
        super().connection_lost(error)

    async def push(self, status: AnyStr) -> None:
        if not self._banner_sent:
            self._banner_sent = True
            if self._on(SmtpFault.SLOW_BANNER) and self.endpoint.armed:
                await asyncio.sleep(self.endpoint.banner_delay)
        await super().push(status)

    async def smtp_STARTTLS(self, arg: str) -> None:
        if self._on(SmtpFault.STARTTLS_REFUSED):
            await self.push("454 4.7.0 TLS not available due to temporary reason")
            return
        await super().smtp_STARTTLS(arg)

    async def smtp_MAIL(self, arg: str | None) -> None:
        if self._on(SmtpFault.SERVICE_CLOSING_MID_SESSION):
            await self.push("421 4.3.2 Service shutting down, closing transmission channel")
            assert self.transport is not None
            self.transport.close()
            return
        await super().smtp_MAIL(arg)

    async def smtp_DATA(self, arg: str) -> None:
        assert self.envelope is not None
        assert self.transport is not None
        if self._on(SmtpFault.DATA_BEFORE_RCPT):
            await self.push("503 valid RCPT command must precede DATA")
            return
        if self._on(SmtpFault.DROP_DURING_DATA) and self.envelope.rcpt_tos:
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            for _ in range(_MAX_DATA_LINES):
                if await self._reader.readuntil(b"\r\n") == b".\r\n":
                    break
            self.transport.close()  # hang up instead of answering the final dot
            return
        if self._on(SmtpFault.ACCEPT_DATA_WITHOUT_RCPT) and not self.envelope.rcpt_tos:
            self.envelope.rcpt_tos.append(_PHANTOM)
        await super().smtp_DATA(arg)


async def abort_connections(connections: set[LabSMTP]) -> None:
    """Drop every open client connection (run on the server's loop before it stops)."""
    for connection in list(connections):
        transport = connection.transport
        if isinstance(transport, asyncio.Transport):
            transport.abort()
        elif transport is not None:
            transport.close()
    for _ in range(3):  # let connection_lost callbacks run
        await asyncio.sleep(0)


def authenticator(endpoint: LabSmtpEndpoint) -> Any:
    """aiosmtpd authenticator checking the endpoint's user and password (or failing every AUTH on fault)."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if SmtpFault.AUTH_FAIL_535 in endpoint.faults or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user_ok = hmac.compare_digest(auth_data.login, endpoint.username.encode("utf-8"))
        password_ok = hmac.compare_digest(auth_data.password, endpoint.password.reveal().encode("utf-8"))
        if user_ok and password_ok:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    return check
