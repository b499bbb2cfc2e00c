"""Nodemailer's log with `logger: true, debug: true`: `[time] DEBUG [connection id] C: ...` / `S: ...`.

Message content is logged unprefixed (`[time] DEBUG [id] Subject: ...`) between the 354 and the final
`.`; other lines (`Resolved ...`, `Connection established ...`, `SMTP handshake finished`) are Nodemailer's
own and skipped. Each connection id is one session; a pooled transport interleaves several.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript_formats.base import CapturedSession, SessionBuilder, numbered_lines

__all__ = ["READER"]

_LINE = re.compile(r"^\[(?P<ts>[^\]]{8,40})\] (?P<level>[A-Z]+) +\[(?P<id>[^\]]+)\] ?(?P<msg>.*)$")
_SNIFF = re.compile(r"^\[\d{4}-\d\d-\d\d[ T][\d:.]+Z?\] (?:DEBUG|INFO|WARN|ERROR|TRACE) +\[[^\]]+\] [CS]: ", re.M)


def _when(stamp: str) -> float | None:
    try:
        return datetime.fromisoformat(stamp.replace(" ", "T")).timestamp()
    except ValueError:
        return None


class _Reader:
    name = "nodemailer"
    description = "Nodemailer log (logger: true, debug: true)"
    multi_session = False

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        open_sessions: dict[str, SessionBuilder] = {}
        content: set[str] = set()  # connection ids between a 354 and the final dot
        yielded = 0
        for number, raw in numbered_lines(stream):
            match = _LINE.match(raw)
            if match is None or match["level"] != "DEBUG":
                continue
            ident, msg = match["id"], match["msg"]
            session = open_sessions.get(ident)
            if ident in content and session is not None:
                session.client(msg, number, _when(match["ts"]))
                if msg == ".":
                    content.discard(ident)
            elif msg[:3] in ("C: ", "S: ") or msg in ("C:", "S:"):
                if session is None:
                    session = open_sessions[ident] = SessionBuilder(label=f"connection {ident}")
                text = msg[3:]
                if msg[0] == "C":
                    session.client(text, number, _when(match["ts"]))
                else:
                    session.server(text, number, _when(match["ts"]))
                    if text.startswith("354"):
                        content.add(ident)
            elif msg.startswith("Closing connection") and session is not None:
                yield open_sessions.pop(ident).build()
                yielded += 1
        for session in open_sessions.values():
            yield session.build()
        if not open_sessions and not yielded:
            raise TranscriptFormatError("line 1: no Nodemailer C:/S: lines found")


READER = _Reader()
