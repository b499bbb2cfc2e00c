"""Reading SMTP replies under a stage deadline and within bounds, however the server behaves.

smtplib reads replies through a buffered socket file whose timeout applies to each `recv` on its own: a server
that drips one byte a second never trips it. smtplib also keeps every line of a multi-line reply until the last
one, so an endless `250-` grows without limit. `ReplyReader` is the file smtplib reads from instead: before each
`recv` the socket's timeout is set to the time left until the stage's `Deadline`; a line, or a whole reply,
longer than `ReplyLimits` ends the session; each line read is kept for the transcript. smtplib still frames and
parses the replies; `check_framing` then refuses what it would have let through (no code, mixed codes).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from mailcanary.smtp.errors import MalformedReplyError, ReplyTooLargeError, StageTimeoutError

__all__ = ["Deadline", "ReplyLimits", "ReplyReader", "check_framing"]

_RECV_OCTETS = 4096


@dataclass(frozen=True, slots=True)
class ReplyLimits:
    """Bounds on what a server may send as one reply.

    RFC 5321 4.5.3.1.5 allows 512 octets a reply line (CRLF included); servers overstep it in practice, so a
    line may be eight times that. A multi-line reply (EHLO's is the longest real one, a dozen lines) may have
    `reply_lines` lines and `reply_octets` octets in all.
    """

    line_octets: int = 4096
    reply_octets: int = 64 * 1024
    reply_lines: int = 256


class Deadline:
    """When the running stage must be over: its own timeout from when it started, never past `not_after`
    (a monotonic instant: the round's budget), whichever comes first."""

    def __init__(self, not_after: float | None = None) -> None:
        self.not_after = not_after
        self.at = float("inf") if not_after is None else not_after
        self._what = "session"
        self._seconds = 0.0

    def start(self, what: str, seconds: float) -> None:
        """Start the clock of `what` ("banner", "reply to EHLO", ...), which may take `seconds`."""
        self._what, self._seconds = what, seconds
        own = time.monotonic() + seconds
        self.at = own if self.not_after is None else min(own, self.not_after)

    def remaining(self) -> float:
        """Seconds left (positive); `StageTimeoutError` once there are none."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise self.expired()
        return left

    def expired(self) -> StageTimeoutError:
        if self.not_after is not None and self.at >= self.not_after:
            return StageTimeoutError(f"timed out: {self._what} not complete when the round's time budget ran out")
        return StageTimeoutError(f"timed out: {self._what} not complete after {self._seconds:g} s")


class ReplyReader:
    """The reply "file" smtplib reads lines from: bounded in time and size, keeping raw lines for the transcript."""

    def __init__(self, sock: socket.socket, deadline: Deadline, limits: ReplyLimits) -> None:
        self._sock = sock
        self._deadline = deadline
        self._limits = limits
        self._buffer = bytearray()
        self._lines = self._octets = 0
        self.pending: list[bytes] = []

    def begin_reply(self) -> None:
        """A new reply starts: its line and octet counts start from zero."""
        self._lines = self._octets = 0

    def readline(self, size: int = -1) -> bytes:
        """One line with its CRLF (what arrived before the server closed, or b"" at the end of the stream)."""
        limit = self._limits.line_octets
        searched = 0
        while (end := self._buffer.find(b"\n", searched)) < 0:
            if len(self._buffer) > limit:
                raise ReplyTooLargeError(f"reply line longer than {limit} octets")
            searched = len(self._buffer)
            chunk = self._recv()
            if not chunk:  # the server closed: hand over what came, then b"" (smtplib: "unexpectedly closed")
                end = len(self._buffer) - 1
                break
            self._buffer += chunk
        line = bytes(self._buffer[: end + 1])
        del self._buffer[: end + 1]
        if len(line) > limit:
            raise ReplyTooLargeError(f"reply line longer than {limit} octets")
        if line:
            self._count(line)
            self.pending.append(line)
        return line

    def _count(self, line: bytes) -> None:
        self._lines += 1
        self._octets += len(line)
        if self._octets > self._limits.reply_octets:
            raise ReplyTooLargeError(f"reply longer than {self._limits.reply_octets // 1024} KiB")
        if self._lines > self._limits.reply_lines:
            raise ReplyTooLargeError(f"reply longer than {self._limits.reply_lines} lines")

    def _recv(self) -> bytes:
        self._sock.settimeout(self._deadline.remaining())
        try:
            return self._sock.recv(_RECV_OCTETS)
        except TimeoutError:
            raise self._deadline.expired() from None

    @property
    def buffered(self) -> int:
        """Octets received and not yet read as a line (more than the reply smtplib asked for)."""
        return len(self._buffer)

    def take(self) -> list[bytes]:
        lines, self.pending = self.pending, []
        return lines

    def close(self) -> None:
        self._buffer.clear()


def _code(line: bytes) -> bytes | None:
    code, separator = line[:3], line[3:4]
    if len(code) == 3 and code.isdigit() and code[:1] in b"2345" and separator in (b"", b" ", b"-", b"\r", b"\n"):
        return code
    return None


def check_framing(lines: list[bytes]) -> None:
    """Every line of one reply starts with the same 3-digit code (RFC 5321 4.2); `MalformedReplyError` if not."""
    first: bytes | None = None
    for line in lines:
        code = _code(line)
        shown = line[:60].rstrip(b"\r\n").decode("utf-8", "replace")
        if code is None:
            raise MalformedReplyError(f"reply line without a 3-digit code: {shown!r}")
        if first is None:
            first = code
        elif code != first:
            raise MalformedReplyError(f"multi-line reply changes its code from {first.decode()} to {code.decode()}")
