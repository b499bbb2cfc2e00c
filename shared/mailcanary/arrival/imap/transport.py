"""imaplib with two bounds added: a watchdog that shuts the socket at the poll's deadline (a server that drips
bytes cannot hold a read past it) and a ceiling on the size of a literal the server announces (a hostile FETCH
cannot fill memory). The socket is handed to the watchdog as soon as it exists, before the greeting is read.
"""

from __future__ import annotations

import imaplib
import os
import socket
import ssl
import threading
import time

__all__ = ["ImplicitTlsImap", "PlainImap", "Watchdog"]

_LONGEST_WAIT = 86_400.0  # a far (or infinite) deadline: threading.Timer cannot wait past what time_t holds


class Watchdog:
    """Shuts the session's socket down at the deadline, whatever a read is waiting for."""

    def __init__(self, deadline: float) -> None:
        self._lock = threading.Lock()
        self._fd: int | None = None
        self.fired = False
        self._timer = threading.Timer(min(max(0.0, deadline - time.monotonic()), _LONGEST_WAIT), self._fire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._fd = sock.fileno()
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._fd is None:
                return
            self.fired = True
            try:
                duplicate = socket.socket(fileno=os.dup(self._fd))
                duplicate.shutdown(socket.SHUT_RDWR)
                duplicate.close()
            except OSError:
                pass

    def stop(self) -> None:
        with self._lock:
            self._fd = None
        self._timer.cancel()


class _BoundedLiterals:
    """imaplib whose `read` refuses a literal over `_max_literal` bytes; `refused_literal` then holds its size
    (imaplib re-raises the abort as a plain one, so the caller asks this instead of the exception's type)."""

    _watchdog: Watchdog
    _max_literal: int
    refused_literal = 0

    def read(self, size: int) -> bytes:
        if size > self._max_literal:
            self.refused_literal = size
            raise imaplib.IMAP4.abort(f"the server announced {size} bytes, over the bound of {self._max_literal}")
        return super().read(size)  # type: ignore[misc, no-any-return]


class PlainImap(_BoundedLiterals, imaplib.IMAP4):
    def __init__(self, host: str, port: int, timeout: float, watchdog: Watchdog, max_literal: int) -> None:
        self._watchdog, self._max_literal = watchdog, max_literal
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = super()._create_socket(timeout)  # type: ignore[misc]
        self._watchdog.watch(sock)
        return sock  # type: ignore[no-any-return]


class ImplicitTlsImap(_BoundedLiterals, imaplib.IMAP4_SSL):
    def __init__(
        self, host: str, port: int, timeout: float, watchdog: Watchdog, max_literal: int, context: ssl.SSLContext
    ) -> None:
        self._watchdog, self._max_literal = watchdog, max_literal
        super().__init__(host, port, ssl_context=context, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = imaplib.IMAP4._create_socket(self, timeout)  # type: ignore[attr-defined]
        self._watchdog.watch(sock)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[no-any-return]
