"""A hostile SMTP server on 127.0.0.1 that quotes every form of the credentials it receives in its refusal.

It offers STARTTLS (a lab CA the client trusts) and AUTH with one mechanism. Whatever the client sends, it
decodes the username and password and refuses AUTH with a multi-line 535 (or 501) reply holding: the AUTH
PLAIN blob without and with an authzid, AUTH LOGIN's base64 username and password lines, the password as
sent and upper-cased, and the blob once more broken over two reply lines. Without AUTH it accepts the
message like a plain MTA, so a test can also see that a client never tried to authenticate. Every command
line it receives is kept in `received`.
"""

from __future__ import annotations

import base64
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

_MAX_COMMANDS = 200  # per connection: bounded whatever the client does
_MAX_DATA_LINES = 10_000
_TIMEOUT = 10.0


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def credential_forms(username: str, password: str) -> dict[str, str]:
    """Every form of the credentials the server echoes (and a test must find nowhere), by name."""
    blob = b64(f"\0{username}\0{password}")
    half = len(blob) // 2
    return {
        "password": password,
        "password upper-cased": password.upper(),
        "password lower-cased": password.lower(),
        "base64 password (AUTH LOGIN line)": b64(password),
        "base64 username (AUTH LOGIN line)": b64(username),
        "AUTH PLAIN blob": blob,
        "AUTH PLAIN blob with authzid": b64(f"{username}\0{username}\0{password}"),
        "first half of the split blob": blob[:half],
        "second half of the split blob": blob[half:],
    }


def echo_lines(code: int, username: str, password: str) -> list[str]:
    """The refusal: every credential form quoted, the blob broken over the last two lines."""
    forms = credential_forms(username, password)
    status = "5.7.8" if code == 535 else "5.5.2"
    lines = [
        f"you sent {forms['AUTH PLAIN blob']}",
        f"or maybe {forms['AUTH PLAIN blob with authzid']}",
        f"login lines {forms['base64 username (AUTH LOGIN line)']} {forms['base64 password (AUTH LOGIN line)']}",
        f"password {password} shouted {password.upper()}",
        f"split {forms['first half of the split blob']}",
        f"{forms['second half of the split blob']} rejected",
    ]
    return [f"{code}-{status} {text}" for text in lines[:-1]] + [f"{code} {status} {lines[-1]}"]


@dataclass
class HostileSmtp:
    """The server; use as a context manager. `mechanism` is the one AUTH mechanism it offers."""

    tls: ssl.SSLContext
    mechanism: str = "PLAIN"
    refusal: int = 535
    received: list[str] = field(default_factory=list)
    connections: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    _listener: socket.socket | None = None
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> HostileSmtp:
        listener = socket.create_server((self.host, 0))
        listener.settimeout(0.2)
        self._listener, self.port = listener, listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="hostile-smtp", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=_TIMEOUT)
        if self._listener is not None:
            self._listener.close()

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            try:
                self._session(connection)
            except OSError:
                pass  # the client hung up: the next connection is served all the same
            finally:
                connection.close()

    def _session(self, connection: socket.socket) -> None:
        opened: list[socket.socket | BinaryIO] = []
        try:
            self._converse(connection, opened)
        finally:
            for each in reversed(opened):
                each.close()

    def _converse(self, connection: socket.socket, opened: list[socket.socket | BinaryIO]) -> None:
        connection.settimeout(_TIMEOUT)
        sock: socket.socket = connection
        stream: BinaryIO = sock.makefile("rwb")
        opened.append(stream)
        tls = False

        def reply(*lines: str) -> None:
            stream.write(b"".join(line.encode() + b"\r\n" for line in lines))
            stream.flush()

        def read() -> str:
            line = stream.readline(4096)
            if not line:
                raise ConnectionError("client closed")
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            self.received.append(text)
            return text

        reply("220 hostile.invalid ESMTP")
        for _ in range(_MAX_COMMANDS):
            command = read()
            verb, _, argument = command.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                extensions = ["AUTH " + self.mechanism, "8BITMIME"] if tls else ["STARTTLS"]
                reply("250-hostile.invalid", *[f"250-{each}" for each in extensions[:-1]], f"250 {extensions[-1]}")
            elif verb == "STARTTLS" and not tls:
                reply("220 2.0.0 go ahead")
                sock = self.tls.wrap_socket(sock, server_side=True)
                stream, tls = sock.makefile("rwb"), True
                opened += [sock, stream]
            elif verb == "AUTH":
                username, password = self._credentials(argument, reply, read)
                reply(*echo_lines(self.refusal, username, password))
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                reply("250 2.0.0 ok")
            elif verb == "DATA":
                reply("354 go on")
                self._swallow(stream)
                reply("250 2.0.0 Ok queued as hostile-1")
            elif verb == "QUIT":
                reply("221 2.0.0 bye")
                return
            else:
                reply("502 5.5.2 not here")

    @staticmethod
    def _credentials(argument: str, reply: Callable[..., None], read: Callable[[], str]) -> tuple[str, str]:
        mechanism, _, initial = argument.partition(" ")
        if mechanism.upper() == "PLAIN":
            if not initial:
                reply("334 ")
                initial = read()
            _, username, password = base64.b64decode(initial).decode("utf-8").split("\0")
            return username, password
        if not initial:  # LOGIN with an initial response (RFC 4954) carries the username on the AUTH line
            reply("334 " + b64("Username:"))
            initial = read()
        username = base64.b64decode(initial).decode("utf-8")
        reply("334 " + b64("Password:"))
        password = base64.b64decode(read()).decode("utf-8")
        return username, password

    @staticmethod
    def _swallow(stream: BinaryIO) -> None:
        for _ in range(_MAX_DATA_LINES):
            line = stream.readline(65536)
            if not line or line == b".\r\n":
                return
