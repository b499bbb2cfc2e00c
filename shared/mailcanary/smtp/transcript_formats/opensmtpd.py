"""OpenSMTPD's trace (`smtpd -d -T smtp`, or the same lines in syslog): `smtp: 0x...: <<< line` for each line
it reads and `smtp: 0x...: >>> reply` for each reply line it writes, one session per session pointer.

Message content is not traced. A pointer is reused by later sessions, so a 220 greeting on a pointer that
already holds a dialogue starts a new session.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript_formats.base import CapturedSession, SessionBuilder, numbered_lines

__all__ = ["READER"]

_LINE = re.compile(r"smtp: (?P<session>0x[0-9a-fA-F]+): (?P<dir><<<|>>>) (?P<text>.*)$")
_SNIFF = re.compile(r"smtp: 0x[0-9a-fA-F]+: (?:<<<|>>>) ")


class _Reader:
    name = "opensmtpd"
    description = "OpenSMTPD trace (-T smtp): <<< / >>> per session"
    multi_session = True

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        sessions: dict[str, SessionBuilder] = {}
        matched = 0
        for number, raw in numbered_lines(stream):
            found = _LINE.search(raw)
            if found is None:
                continue
            matched += 1
            key, text = found["session"], found["text"]
            session = sessions.get(key)
            if session is not None and found["dir"] == ">>>" and text.startswith("220 ") and session.lines:
                yield sessions.pop(key).build()
                session = None
            if session is None:
                session = sessions[key] = SessionBuilder(label=f"session {key}")
            if found["dir"] == "<<<":
                session.client(text, number)
            else:
                session.server(text, number)
        if not matched:
            raise TranscriptFormatError("line 1: no OpenSMTPD <<< / >>> trace lines found")
        yield from (session.build() for session in sessions.values())


READER = _Reader()
