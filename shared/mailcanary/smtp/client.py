"""`smtplib.SMTP` / `SMTP_SSL` subclasses that record every command and reply line, secrets redacted first.

smtplib speaks the protocol; these subclasses only watch and bound it: `send()` sees every byte the client
writes and starts the deadline of the reply it asks for, the reply file is a `ReplyReader` (each line seen as
it is read, every read under the stage's deadline, every reply within `ReplyLimits`), and `auth()` marks the
exchange whose lines must be redacted. Each line is redacted *before* it is stored or logged, so no
secret ever exists in a transcript.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import time
from collections.abc import Iterable
from typing import Any

from mailcanary.core.redaction import NO_SECRETS, SecretForms
from mailcanary.core.secret import REDACTED
from mailcanary.smtp.errors import MalformedReplyError
from mailcanary.smtp.reader import Deadline, ReplyLimits, ReplyReader, check_framing
from mailcanary.smtp.replies import Reply
from mailcanary.smtp.target import Timeouts
from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine

__all__ = ["Recorder", "RecordingSMTP", "RecordingSMTPSSL"]

_log = logging.getLogger(__name__)
# smtplib sends its verbs in lower case; upper case reads like every RFC and swaks transcript.
_VERBS = {verb: verb.upper() for verb in ("ehlo", "helo", "mail", "rcpt", "data", "rset", "quit", "noop", "starttls")}


class Recorder:
    """Collects transcript lines; scrubs the session's secret forms from every line before keeping or logging it."""

    def __init__(self, forms: SecretForms = NO_SECRETS) -> None:
        self.forms = forms
        self.lines: list[TranscriptLine] = []
        self.probe = False  # set while the conformance probe runs: the lines it records are marked
        self._debug = _log.isEnabledFor(logging.DEBUG)

    def record(self, direction: Direction, text: str, tls: bool) -> None:
        self.record_many(direction, (text,), tls)

    def record_many(self, direction: Direction, texts: Iterable[str], tls: bool) -> None:
        """Record lines that left or arrived together (one timestamp), secrets scrubbed first (also a secret
        a multi-line reply breaks over two lines)."""
        if self.forms:
            texts = self.forms.scrub_lines(list(texts), REDACTED)
        now, probe = time.monotonic(), self.probe
        lines = [TranscriptLine(now, direction, text, tls, probe) for text in texts]
        self.lines += lines
        if self._debug:
            for line in lines:
                _log.debug("%s", line.render())

    def record_replies(self, raw: list[bytes], tls: bool) -> None:
        """Record reply lines as read from the socket (one timestamp), decoded, secrets scrubbed first."""
        self.record_many(Direction.SERVER, [line.rstrip(b"\r\n").decode("utf-8", "replace") for line in raw], tls)

    def scrub_reply(self, message: bytes) -> bytes:
        """smtplib's reply text (lines joined by newlines) with the secret forms masked, so no error, reply
        value or exception built from it can carry what a hostile server echoed back."""
        if not self.forms:
            return message
        text = message.decode("utf-8", "replace")
        clean = self.forms.scrub(text, REDACTED)
        return message if clean == text else clean.encode("utf-8")

    def transcript(self) -> Transcript:
        return Transcript(tuple(self.lines))


class RecordingSMTP(smtplib.SMTP):
    """smtplib.SMTP that records a redacted transcript and holds every stage to its deadline.

    `not_after` (a `time.monotonic()` instant) caps every deadline: the round's time budget.
    """

    def __init__(
        self,
        recorder: Recorder,
        timeouts: Timeouts,
        local_hostname: str,
        *,
        not_after: float | None = None,
        limits: ReplyLimits | None = None,
        **kwargs: Any,
    ) -> None:
        self.recorder = recorder
        self.timeouts = timeouts
        self.deadline = Deadline(not_after)
        self.limits = limits or ReplyLimits()
        self.connected_at: float | None = None
        self.payload_sent_at: float | None = None
        self._last_raw: tuple[int, bytes] | None = None
        self._auth_active = False
        self._data_sends = -1  # -1 outside data(); counts send() calls inside it
        self._verb = ""  # of the last command sent
        self.tls_active = False  # kept in step with the socket (checked on every line)
        super().__init__(local_hostname=local_hostname, timeout=timeouts.command, **kwargs)

    def _note_socket(self) -> None:
        self.tls_active = isinstance(self.sock, ssl.SSLSocket)

    def starttls(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            return super().starttls(*args, **kwargs)
        finally:
            self._note_socket()

    def close(self) -> None:
        super().close()
        self._note_socket()

    def connect(self, host: str = "localhost", port: int = 0, source_address: Any = None) -> tuple[int, bytes]:
        # smtplib takes the TLS server name (SNI, hostname check) from `_host`, which only __init__ sets.
        self._host = host
        try:
            return super().connect(host, port, source_address)
        finally:
            self._note_socket()

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # Connect (and, for SMTP_SSL, the TLS handshake) under the connect timeout; then wait for the banner.
        self.deadline.start("connect", self.timeouts.connect)
        sock: socket.socket = super()._get_socket(host, port, self.deadline.remaining())  # type: ignore[misc]
        self.connected_at = time.monotonic()
        self.tls_active = isinstance(sock, ssl.SSLSocket)  # implicit TLS: the banner already arrives inside TLS
        self.deadline.start("banner", self.timeouts.banner)
        return sock

    def putcmd(self, cmd: str, args: str = "") -> None:
        super().putcmd(_VERBS.get(cmd, cmd), args)

    def send(self, s: str | bytes) -> None:  # type: ignore[override]
        sends = self._data_sends
        if sends >= 0:
            self._data_sends = sends = sends + 1
        payload = sends > 1  # the message itself, after the DATA command
        tls = self.tls_active
        if payload:  # writing the message and the reply after the final dot: one deadline
            self.deadline.start("reply after the final dot", self.timeouts.data_end)
        else:
            self._verb = "AUTH continuation" if self._auth_active and not _is_auth(s) else _verb(s)
            self.deadline.start(f"reply to {self._verb}", self.timeouts.command)
        if self.sock is not None:
            self.sock.settimeout(self.deadline.remaining())  # a server that stops reading bounds the write too
        try:
            super().send(s)
        finally:  # recorded after the bytes left (or failed to), so the bookkeeping overlaps the round trip
            text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
            lines = text.removesuffix("\r\n").split("\r\n")
            self.recorder.record_many(Direction.CLIENT, lines if payload else [self._redact(x) for x in lines], tls)
        if payload:
            self.payload_sent_at = time.monotonic()

    def _redact(self, line: str) -> str:
        if line[:5].upper() == "AUTH ":
            verb, _, rest = line.partition(" ")
            mechanism, _, argument = rest.partition(" ")
            return f"{verb} {mechanism} {REDACTED}" if argument else line
        if self._auth_active:  # a continuation line answering a 334 challenge
            return REDACTED
        return line

    def getreply(self) -> tuple[int, bytes]:
        if self.sock is not None and not isinstance(self.file, ReplyReader):
            # a fresh socket (connect, or the TLS one after STARTTLS): bytes the old one buffered are dropped
            self.file = ReplyReader(self.sock, self.deadline, self.limits)
        reader = self.file
        if isinstance(reader, ReplyReader):
            reader.begin_reply()
        tls = self.tls_active
        try:
            code, message = super().getreply()
            if isinstance(reader, ReplyReader):
                check_framing(reader.pending)
                if self._verb == "STARTTLS" and code == 220 and reader.buffered:
                    # RFC 3207 5: nothing may follow the 220 in clear text (what STARTTLS injection exploits)
                    raise MalformedReplyError(f"{reader.buffered} octets in clear text after the 220 to STARTTLS")
        finally:  # also keeps the partial reply when the server hangs up or times out mid-reply
            if isinstance(reader, ReplyReader) and reader.pending:
                self.recorder.record_replies(reader.take(), tls)
        message = self.recorder.scrub_reply(message)
        self._last_raw = (code, message)
        return code, message

    @property
    def last_reply(self) -> Reply | None:
        """The most recent reply (built on demand: most callers already hold it)."""
        return Reply.from_smtplib(*self._last_raw) if self._last_raw is not None else None

    def auth(self, mechanism: str, authobject: Any, *, initial_response_ok: bool = True) -> tuple[int, bytes]:
        self._auth_active = True
        try:
            return super().auth(mechanism, authobject, initial_response_ok=initial_response_ok)
        finally:
            self._auth_active = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self._data_sends = 0
        self.payload_sent_at = None
        try:
            return super().data(msg)
        finally:
            self._data_sends = -1


_KNOWN_VERBS = frozenset({"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT"})


def _is_auth(sent: str | bytes) -> bool:
    return sent[:5].upper() in ("AUTH ", b"AUTH ")


def _verb(sent: str | bytes) -> str:
    """The command word of what was sent ("EHLO"); never any other text (an AUTH answer is a credential)."""
    text = sent.decode("ascii", "replace") if isinstance(sent, bytes) else sent
    word = text.split(" ", 1)[0].strip().upper()
    return word if word in _KNOWN_VERBS else "the client's last line"


class RecordingSMTPSSL(RecordingSMTP, smtplib.SMTP_SSL):
    """Implicit TLS ("wrapper" mode, ports 465/2465) with the same recording."""
