"""Python `smtplib` debug output: `set_debuglevel(1)`, or `(2)` which adds a time of day to each line.

`send: '...'` is one command (a str repr), `send: b'...'` the whole message with its final dot (a bytes
repr), `reply: b'...'` one reply line; `reply: retcode ...`, `data: ...` and `connect: ...` are smtplib's
own summaries. Debug output is usually switched on after `SMTP(host)` has connected, so the 220 greeting
is absent: that is a gap in the log, not a client error. A `connect: (host, port)` line starts a session.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript_formats.base import CapturedSession, SessionBuilder, numbered_lines

__all__ = ["READER"]

_LINE = re.compile(
    r"^(?:(?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d(?:\.\d+)?) )?(?P<kind>send|reply|connect|data): (?P<rest>.*)$"
)
_SNIFF = re.compile(r"^(?:\d\d:\d\d:\d\d\.\d+ )?(?:send: b?'|reply: b'|connect: \()", re.MULTILINE)


def _literal(text: str, number: int) -> str:
    """The string a repr stands for (bytes as Latin-1: every byte kept)."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        raise TranscriptFormatError(f"line {number}: not a Python string repr: {text[:60]!r}") from exc
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    raise TranscriptFormatError(f"line {number}: not a Python string repr: {text[:60]!r}")


def _split(payload: str) -> list[str]:
    lines = payload.split("\r\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines or [""]


class _Reader:
    name = "smtplib"
    description = "Python smtplib set_debuglevel(1) or (2) output"
    multi_session = False

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        current: SessionBuilder | None = None
        sessions = 0
        for number, raw in numbered_lines(stream):
            match = _LINE.match(raw)
            if match is None:
                continue  # the application's own output between smtplib's lines
            kind, rest = match["kind"], match["rest"]
            at = None
            if match["h"] is not None:
                at = int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])
            if kind == "connect":
                if rest.startswith("(") and current is not None and current.lines:
                    yield current.build()
                    sessions, current = sessions + 1, None
                if current is None:
                    current = SessionBuilder(label=f"session {sessions + 1}")
                continue
            if kind == "data" or rest.startswith("retcode ("):
                continue
            if current is None:
                current = SessionBuilder(label=f"session {sessions + 1}", greeting_recorded=kind != "send")
            if kind == "send":
                for text in _split(_literal(rest, number)):
                    current.client(text, number, at)
            else:
                current.server(_literal(rest, number).rstrip("\r\n"), number, at)
        if current is not None and current.lines:
            yield current.build()
        elif sessions == 0:
            raise TranscriptFormatError("line 1: no smtplib send:/reply: lines found")


READER = _Reader()
