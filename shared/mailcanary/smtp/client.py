"""`smtplib.SMTP` / `SMTP_SSL` subclasses that record every command and reply line, secrets redacted first.

smtplib speaks the protocol; these subclasses only watch it: `send()` sees every byte the client writes,
the reply file is wrapped so every line the server writes is seen as it is read, and `auth()` marks the
exchange whose lines must be redacted. Each line is redacted *before* it is stored or logged, so no
secret ever exists in a transcript.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import socket
import ssl
import time
from typing import Any

from mailcanary.secret import REDACTED
from mailcanary.smtp.replies import Reply
from mailcanary.smtp.target import Timeouts
from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine

__all__ = ["Recorder", "RecordingSMTP", "RecordingSMTPSSL"]

_log = logging.getLogger(__name__)
# smtplib sends its verbs in lower case; upper case reads like every RFC and swaks transcript.
_VERBS = frozenset({"ehlo", "helo", "mail", "rcpt", "data", "rset", "quit", "noop", "starttls", "vrfy", "expn", "help"})


class Recorder:
    """Collects transcript lines; scrubs known secrets from every line before keeping or logging it."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.add(secret)
                forms.add(base64.b64encode(secret.encode("utf-8")).decode("ascii"))
        self._secrets = tuple(sorted(forms, key=len, reverse=True))
        self.lines: list[TranscriptLine] = []

    def record(self, direction: Direction, text: str, tls: bool) -> None:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        line = TranscriptLine(time.monotonic(), direction, text, tls)
        self.lines.append(line)
        _log.debug("%s", line.render())

    def transcript(self) -> Transcript:
        return Transcript(tuple(self.lines))


class _RecordingReader:
    """The socket's reply file, reporting each line as smtplib reads it."""

    def __init__(self, raw: Any, client: RecordingSMTP) -> None:
        self._raw = raw
        self._client = client

    def readline(self, size: int = -1) -> bytes:
        try:
            line: bytes = self._raw.readline(size)
        except TimeoutError:
            self._client.timed_out = True
            raise
        if line:
            self._client.recorder.record(
                Direction.SERVER, line.rstrip(b"\r\n").decode("utf-8", "replace"), self._client.tls_active
            )
        return line

    def close(self) -> None:
        self._raw.close()


class RecordingSMTP(smtplib.SMTP):
    """smtplib.SMTP that records a redacted transcript and applies a timeout per stage."""

    def __init__(self, recorder: Recorder, timeouts: Timeouts, local_hostname: str, **kwargs: Any) -> None:
        self.recorder = recorder
        self.timeouts = timeouts
        self.connected_at: float | None = None
        self.payload_sent_at: float | None = None
        self.timed_out = False
        self.last_reply: Reply | None = None
        self._auth_active = False
        self._data_sends = -1  # -1 outside data(); counts send() calls inside it
        super().__init__(local_hostname=local_hostname, timeout=timeouts.command, **kwargs)

    @property
    def tls_active(self) -> bool:
        return isinstance(self.sock, ssl.SSLSocket)

    def set_timeout(self, seconds: float) -> None:
        if self.sock is not None:
            self.sock.settimeout(seconds)

    def connect(self, host: str = "localhost", port: int = 0, source_address: Any = None) -> tuple[int, bytes]:
        # smtplib takes the TLS server name (SNI, hostname check) from `_host`, which only __init__ sets.
        self._host = host
        return super().connect(host, port, source_address)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # Connect (and, for SMTP_SSL, the TLS handshake) under the connect timeout; then wait for the banner.
        sock: socket.socket = super()._get_socket(host, port, self.timeouts.connect)  # type: ignore[misc]
        self.connected_at = time.monotonic()
        sock.settimeout(self.timeouts.banner)
        return sock

    def putcmd(self, cmd: str, args: str = "") -> None:
        super().putcmd(cmd.upper() if cmd.lower() in _VERBS else cmd, args)

    def send(self, s: str | bytes) -> None:  # type: ignore[override]
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        tls = self.tls_active
        if self._data_sends >= 0:
            self._data_sends += 1
        if self._data_sends > 1:  # the message itself, after the DATA command
            for line in text.removesuffix("\r\n").split("\r\n"):
                self.recorder.record(Direction.CLIENT, line, tls)
        else:
            for line in text.removesuffix("\r\n").split("\r\n"):
                self.recorder.record(Direction.CLIENT, self._redact(line), tls)
        super().send(s)
        if self._data_sends > 1:
            self.payload_sent_at = time.monotonic()
            self.set_timeout(self.timeouts.data_end)

    def _redact(self, line: str) -> str:
        if line[:5].upper() == "AUTH ":
            verb, _, rest = line.partition(" ")
            mechanism, _, argument = rest.partition(" ")
            return f"{verb} {mechanism} {REDACTED}" if argument else line
        if self._auth_active:  # a continuation line answering a 334 challenge
            return REDACTED
        return line

    def getreply(self) -> tuple[int, bytes]:
        if self.sock is not None and not isinstance(self.file, _RecordingReader):
            self.file = _RecordingReader(self.file or self.sock.makefile("rb"), self)
        code, message = super().getreply()
        self.last_reply = Reply.from_smtplib(code, message)
        return code, message

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
            self.set_timeout(self.timeouts.command)


class RecordingSMTPSSL(RecordingSMTP, smtplib.SMTP_SSL):
    """Implicit TLS ("wrapper" mode, ports 465/2465) with the same recording."""
