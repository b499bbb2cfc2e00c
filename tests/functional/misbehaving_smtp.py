"""SMTP servers that misbehave on purpose, on 127.0.0.1 with real sockets, one thread each.

Each `HostileServer` accepts connections and runs one behaviour per connection: a function of the connected
socket that writes whatever the misbehaviour is. Every loop is bounded (by `MAX_SECONDS`, by the server being
stopped, and by the client hanging up), so a test that fails never leaves a server running.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

MAX_SECONDS = 30.0  # no behaviour runs longer than this, whatever the client does
Behaviour = Callable[[socket.socket, threading.Event], None]


class _Hangup(Exception):
    """The client went away or the server is stopping: the behaviour ends."""


def _alive(stop: threading.Event, started: float) -> None:
    if stop.is_set() or time.monotonic() - started > MAX_SECONDS:
        raise _Hangup


def _write(conn: socket.socket, data: bytes) -> None:
    try:
        conn.sendall(data)
    except OSError as exc:
        raise _Hangup from exc


def _read_line(conn: socket.socket, stop: threading.Event) -> bytes:
    """One client line (bounded: 4 KiB, MAX_SECONDS)."""
    started, line = time.monotonic(), b""
    while not line.endswith(b"\n") and len(line) < 4096:
        _alive(stop, started)
        try:
            chunk = conn.recv(1)
        except TimeoutError:
            continue
        except OSError as exc:
            raise _Hangup from exc
        if not chunk:
            raise _Hangup
        line += chunk
    return line


def _endless(conn: socket.socket, stop: threading.Event, line: bytes, pause: float) -> None:
    started = time.monotonic()
    while True:
        _alive(stop, started)
        _write(conn, line)
        if pause:
            stop.wait(pause)


def _greet_then(reply: Callable[[socket.socket, threading.Event], None]) -> Behaviour:
    """Banner, wait for EHLO, then `reply`."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        _write(conn, b"220 hostile.test ESMTP\r\n")
        _read_line(conn, stop)
        reply(conn, stop)

    return behaviour


def close_before_banner(conn: socket.socket, stop: threading.Event) -> None:
    """Accept, then hang up without a word."""


def endless_banner(conn: socket.socket, stop: threading.Event) -> None:
    """`220-` lines as fast as the socket takes them, never the last line."""
    _endless(conn, stop, b"220-hostile.test still greeting you\r\n", 0.0)


def dripped_banner(conn: socket.socket, stop: threading.Event) -> None:
    """A normal banner, one byte a second."""
    started = time.monotonic()
    for byte in b"220 hostile.test ESMTP at one byte a second\r\n":
        _alive(stop, started)
        _write(conn, bytes([byte]))
        stop.wait(1.0)


endless_reply_slow = _greet_then(lambda conn, stop: _endless(conn, stop, b"250-still thinking\r\n", 0.2))
endless_reply_fast = _greet_then(lambda conn, stop: _endless(conn, stop, b"250-" + b"x" * 496 + b"\r\n", 0.0))
megabyte_line = _greet_then(lambda conn, stop: _write(conn, b"250 " + b"y" * (1 << 20) + b"\r\n"))
non_numeric_reply = _greet_then(lambda conn, stop: _write(conn, b"hello there, no code\r\n"))
mismatched_codes = _greet_then(lambda conn, stop: _write(conn, b"250-hostile.test\r\n550 changed my mind\r\n"))


def _starttls_then(pause: float) -> Behaviour:
    """Advertise STARTTLS, answer it 220, then go on in plain text: at once, or after `pause` seconds (the
    client is in its TLS handshake by then)."""

    def reply(conn: socket.socket, stop: threading.Event) -> None:
        _write(conn, b"250-hostile.test\r\n250 STARTTLS\r\n")
        _read_line(conn, stop)  # STARTTLS
        plain = b"250 but this is still plain text\r\n"
        if pause:
            _write(conn, b"220 go ahead\r\n")
            stop.wait(pause)
            _write(conn, plain)
        else:  # in the same segment as the 220 (the shape of a STARTTLS command injection)
            _write(conn, b"220 go ahead\r\n" + plain)
        stop.wait(MAX_SECONDS)  # until the client hangs up (the write fails next time) or the server stops

    return _greet_then(reply)


starttls_then_plaintext = _starttls_then(0.0)
starttls_then_late_plaintext = _starttls_then(0.3)


def _auth_then_silence(conn: socket.socket, stop: threading.Event) -> None:
    _write(conn, b"250-hostile.test\r\n250 AUTH LOGIN\r\n")
    _read_line(conn, stop)  # AUTH LOGIN <username>
    _write(conn, b"334 UGFzc3dvcmQ6\r\n")
    _read_line(conn, stop)  # the password
    stop.wait(MAX_SECONDS)


auth_then_silence = _greet_then(_auth_then_silence)


class HostileServer:
    """A listening socket on 127.0.0.1 and a thread that runs `behaviour` for each connection, then closes it."""

    def __init__(self, behaviour: Behaviour) -> None:
        self._behaviour = behaviour
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="hostile-smtp", daemon=True)

    def _serve(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set() and time.monotonic() - started < 10 * MAX_SECONDS:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(0.5)
                with suppress(_Hangup):
                    self._behaviour(conn, self._stop)

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()


@contextmanager
def hostile_server(behaviour: Behaviour) -> Iterator[HostileServer]:
    server = HostileServer(behaviour).start()
    try:
        yield server
    finally:
        server.stop()
