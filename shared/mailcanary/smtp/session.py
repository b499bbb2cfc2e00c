"""Send one canary over SMTP, stage by stage, and return everything that happened as an `SmtpResult`.

The stages are driven one by one on smtplib's primitives rather than through `sendmail()`, which
discards the reply after the final dot and never sends DATA when every RCPT was refused — both are
exactly what a canary must see. Every failure ends the session with a swaks-style exit code for its
stage; the connection is always closed (with QUIT when it is still usable).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mailcanary.core.redaction import NO_SECRETS, SecretForms
from mailcanary.smtp import certificate
from mailcanary.smtp.client import Recorder, RecordingSMTP, RecordingSMTPSSL
from mailcanary.smtp.errors import MalformedReplyError, SmtpPathError, SmtpServerError
from mailcanary.smtp.replies import Code, Reply, ReplyClass, classify, ses_message_id
from mailcanary.smtp.result import ConformanceResult, ExitCode, RecipientOutcome, SmtpResult, Stage
from mailcanary.smtp.target import SmtpTarget, TlsMode

__all__ = ["send_canary"]

_log = logging.getLogger(__name__)

_EXIT_FOR_STAGE = {
    Stage.CONNECT: ExitCode.CONNECT,
    Stage.BANNER: ExitCode.BANNER,
    Stage.EHLO: ExitCode.HELO,
    Stage.STARTTLS: ExitCode.TLS,
    Stage.AUTH: ExitCode.AUTH,
    Stage.MAIL: ExitCode.MAIL,
    Stage.RCPT: ExitCode.NO_RECIPIENT,
    Stage.DATA: ExitCode.DATA,
    Stage.DOT: ExitCode.MESSAGE_REFUSED,
    Stage.QUIT: ExitCode.OK,
}


class _StageFailed(Exception):
    def __init__(self, exit_code: ExitCode, error: str, reply: Reply | None = None) -> None:
        super().__init__(error)
        self.exit_code, self.error, self.reply = exit_code, error, reply


class _Session:
    def __init__(self, target: SmtpTarget, not_after: float | None) -> None:
        self.target = target
        password = target.password.reveal() if target.password is not None else ""
        self.forms = SecretForms.of(target.username, (password,)) if password else NO_SECRETS
        self.recorder = Recorder(self.forms)
        self.context = target.ssl_context() if target.tls is not TlsMode.NONE else None
        kwargs: dict[str, Any] = {"context": self.context} if target.tls is TlsMode.WRAPPER else {}
        cls = RecordingSMTPSSL if target.tls is TlsMode.WRAPPER else RecordingSMTP
        self.client = cls(self.recorder, target.timeouts, target.helo_name, not_after=not_after, **kwargs)
        self.stage = Stage.CONNECT
        self._since = time.monotonic()
        self.durations: dict[Stage, float] = {}
        self.usable = False  # the connection can still carry a QUIT
        self.authenticated = False
        self.recipients: list[RecipientOutcome] = []
        self.final_reply: Reply | None = None
        self.conformance: ConformanceResult | None = None
        self.tls_seen = False
        self.tls_version: str | None = None
        self.certificate_not_after: datetime | None = None

    # -- bookkeeping ---------------------------------------------------------------------------------
    def enter(self, stage: Stage, at: float | None = None) -> None:
        """Close the running stage's clock (at `at`, default now) and start `stage`'s."""
        now = time.monotonic() if at is None else at
        self.durations[self.stage] = self.durations.get(self.stage, 0.0) + max(0.0, now - self._since)
        self.stage, self._since = stage, now

    def pause_clock(self) -> None:
        """Stop timing the running stage (the conformance probe is not part of any stage)."""
        self.enter(self.stage)

    def resume_clock(self) -> None:
        self._since = time.monotonic()

    def _fail(self, error: str, reply: Reply | None = None, exit_code: ExitCode | None = None) -> _StageFailed:
        return _StageFailed(exit_code or _EXIT_FOR_STAGE[self.stage], error, reply)

    def translate(self, exc: BaseException) -> _StageFailed:
        """Turn smtplib/socket/ssl exceptions into the stage's failure (secrets are never in these)."""
        where = self.stage.value.upper()
        if isinstance(exc, SmtpServerError):  # a bound or the protocol broken: the connection is not trusted
            self.usable = False
            if isinstance(exc, MalformedReplyError):
                return self._fail(f"protocol error during {where}: {exc}")
            return self._fail(f"{exc} (during {where})")
        if isinstance(exc, ssl.SSLError):
            self.usable = False
            return self._fail(f"TLS failed during {where}: {exc}", exit_code=ExitCode.TLS)
        if isinstance(exc, smtplib.SMTPResponseException):  # (smtplib's exceptions are OSErrors too)
            reply = Reply.from_smtplib(exc.smtp_code, exc.smtp_error)
            return self._fail(f"{where} refused: {reply}", reply)
        timed_out = isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)
        if isinstance(exc, smtplib.SMTPServerDisconnected | TimeoutError) or (
            isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)
        ):
            self.usable = False
            if timed_out:
                return self._fail(f"timed out during {where}")
            if self.stage is Stage.CONNECT:
                return self._fail(f"cannot connect to {self.target.address}: {exc}")
            if self.stage is Stage.BANNER:  # swaks too: no banner is a banner failure, whatever the reason
                return self._fail("connection closed before the banner")
            if self.stage is Stage.STARTTLS:  # closed instead of (or during) the TLS handshake
                return self._fail(f"TLS failed: connection closed during {where}")
            return self._fail(f"connection closed unexpectedly during {where}", exit_code=ExitCode.CONNECTION_CLOSED)
        if isinstance(exc, UnicodeError):
            return self._fail(f"{where}: text cannot be encoded for this server (non-ASCII without SMTPUTF8)")
        return self._fail(f"{where} failed: {type(exc).__name__}: {exc}")

    def _expect(self, reply: Reply, *codes: int) -> Reply:
        if reply.code not in codes:
            raise self._fail(f"{self.stage.value.upper()} refused: {reply}", reply)
        return reply

    # -- stages --------------------------------------------------------------------------------------
    def connect(self) -> None:
        self._since = time.monotonic()
        try:
            code, message = self.client.connect(self.target.host, self.target.port)
        finally:
            if self.client.connected_at is not None:
                self.enter(Stage.BANNER, self.client.connected_at)
        self.usable = True
        self._expect(Reply.from_smtplib(code, message), Code.SERVICE_READY)

    def ehlo(self) -> None:
        self.enter(Stage.EHLO)
        reply = Reply.from_smtplib(*self.client.ehlo())
        if reply.code != Code.OK and classify(reply, "EHLO") is ReplyClass.SYNTAX:
            reply = Reply.from_smtplib(*self.client.helo())
        self._expect(reply, Code.OK)

    def starttls(self) -> None:
        mode = self.target.tls
        if mode in (TlsMode.NONE, TlsMode.WRAPPER):
            return
        self.enter(Stage.STARTTLS)
        if not self.client.has_extn("starttls"):
            if mode is TlsMode.REQUIRED:
                raise self._fail("server does not advertise STARTTLS and TLS is required")
            return
        try:
            self.client.starttls(context=self.context)
        except smtplib.SMTPResponseException as exc:  # the STARTTLS command itself was refused
            reply = Reply.from_smtplib(exc.smtp_code, exc.smtp_error)
            if mode is TlsMode.REQUIRED:
                raise self._fail(f"STARTTLS refused: {reply}", reply) from None
            return  # opportunistic: carry on in clear text, still on a sane connection
        self.ehlo()  # RFC 3207: forget what was learnt before TLS and greet again

    def auth(self) -> None:
        target = self.target
        if target.username is None or target.password is None:
            return
        self.enter(Stage.AUTH)
        if not self.client.tls_active and not target.allow_auth_without_tls:
            raise self._fail("refusing to send AUTH credentials without TLS (allow_auth_without_tls is off)")
        if not self.client.has_extn("auth"):
            raise self._fail("server does not advertise AUTH")
        mechanisms = self.client.esmtp_features["auth"].upper().split()
        mechanism = next((each for each in ("PLAIN", "LOGIN") if each in mechanisms), None)
        if mechanism is None:
            raise self._fail(f"server offers no AUTH mechanism we speak (PLAIN, LOGIN): {' '.join(mechanisms)}")
        self.client.user, self.client.password = target.username, target.password.reveal()
        method = self.client.auth_plain if mechanism == "PLAIN" else self.client.auth_login
        try:
            reply = Reply.from_smtplib(*self.client.auth(mechanism, method))
        except UnicodeEncodeError:
            raise self._fail("AUTH PLAIN/LOGIN credentials must be ASCII") from None
        finally:
            self.client.password = ""
        self._expect(reply, Code.AUTH_SUCCEEDED)
        self.authenticated = True

    def mail(self, mail_from: str, recipients: Sequence[str], message: bytes) -> None:
        self.enter(Stage.MAIL)
        options: list[str] = []
        headers = message.split(b"\r\n\r\n", 1)[0]
        if not (mail_from.isascii() and all(each.isascii() for each in recipients) and headers.isascii()):
            if not self.client.has_extn("smtputf8"):
                raise self._fail("non-ASCII addresses or headers need SMTPUTF8, which the server does not advertise")
            options.append("SMTPUTF8")
        if not message.isascii() and self.client.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        self._expect(Reply.from_smtplib(*self.client.mail(mail_from, options)), Code.OK)

    def rcpt(self, recipients: Sequence[str]) -> None:
        self.enter(Stage.RCPT)
        for address in recipients:
            self.recipients.append(RecipientOutcome(address, Reply.from_smtplib(*self.client.rcpt(address))))
        if not any(outcome.accepted for outcome in self.recipients):
            last = self.recipients[-1].reply
            raise self._fail(f"no recipient accepted (last: {last})", last)

    def data(self, message: bytes) -> None:
        self.enter(Stage.DATA)
        try:
            code, answer = self.client.data(message)
        except smtplib.SMTPDataError as exc:
            raise self._fail(f"DATA refused: {self.client.last_reply}", self.client.last_reply) from exc
        finally:
            if self.client.payload_sent_at is not None:
                self.enter(Stage.DOT, self.client.payload_sent_at)
        self.final_reply = Reply.from_smtplib(code, answer)
        self._expect(self.final_reply, Code.OK)

    def quit(self) -> None:
        self.enter(Stage.QUIT)
        try:
            self.client.quit()
        except (smtplib.SMTPException, OSError, SmtpServerError) as exc:
            _log.debug("QUIT failed after a successful send: %s", exc)
        finally:
            self.client.close()

    def close_after_failure(self) -> None:
        try:
            if self.usable and self.client.sock is not None:
                self.client.quit()
        except (smtplib.SMTPException, OSError, SmtpServerError) as exc:
            _log.debug("QUIT after a failure did not complete: %s", exc)
        finally:
            self.client.close()

    def result(self, exit_code: ExitCode, error: str | None = None, reply: Reply | None = None) -> SmtpResult:
        return SmtpResult(
            target=self.target.address,
            stage=self.stage,
            exit_code=exit_code,
            error=self.forms.scrub(error) if error else error,
            failure_reply=reply,
            tls=self.tls_seen,
            tls_version=self.tls_version,
            authenticated=self.authenticated,
            recipients=tuple(self.recipients),
            final_reply=self.final_reply,
            message_id=ses_message_id(self.final_reply),
            durations=tuple(self.durations.items()),
            transcript=self.recorder.transcript(),
            conformance=self.conformance,
            certificate_not_after=self.certificate_not_after,
        )

    def note_tls(self) -> None:
        sock = self.client.sock
        if isinstance(sock, ssl.SSLSocket):
            self.tls_seen, self.tls_version = True, sock.version()
            if self.certificate_not_after is None:
                self.certificate_not_after = certificate.not_after(sock)


def send_canary(
    target: SmtpTarget,
    mail_from: str,
    recipients: Sequence[str],
    message: bytes,
    *,
    conformance: bool = False,
    not_after: float | None = None,
) -> SmtpResult:
    """Send `message` (CRLF line endings, e.g. from `policy.SMTP`) from `mail_from` to `recipients`.

    Never raises for anything the server or network does: every outcome is an `SmtpResult`. Every stage ends
    within its timeout (`target.timeouts`) however the server drips, and never after `not_after` (a
    `time.monotonic()` instant: the caller's budget); replies are bounded by `smtp.reader.ReplyLimits`. With
    `conformance=True` the out-of-order probe runs first on the same connection (see `conformance`).
    """
    if not recipients:
        raise SmtpPathError("at least one recipient is needed")
    session = _Session(target, not_after)
    try:
        session.connect()
        session.ehlo()
        session.starttls()
        session.note_tls()
        session.auth()
        if conformance:
            from mailcanary.smtp.conformance import probe_sequence  # only when asked: a plain send starts faster

            session.pause_clock()
            session.conformance = probe_sequence(session.client, mail_from, recipients[0])
            session.resume_clock()
        session.mail(mail_from, recipients, message)
        session.rcpt(recipients)
        session.data(message)
    except (_StageFailed, SmtpServerError, smtplib.SMTPException, OSError, UnicodeError) as exc:
        failed = exc if isinstance(exc, _StageFailed) else session.translate(exc)
        session.note_tls()
        session.pause_clock()  # closing the connection is not part of the failed stage
        session.close_after_failure()
        error = session.forms.scrub(failed.error)
        _log.info("smtp canary to %s failed at %s: %s", target.address, session.stage.value, error)
        return session.result(failed.exit_code, failed.error, failed.reply)
    except BaseException:
        session.client.close()
        raise
    session.quit()
    session.pause_clock()
    _log.info("smtp canary to %s accepted: %s", target.address, session.final_reply)
    return session.result(ExitCode.OK)
