"""PHPMailer's `SMTPDebug` output, levels 2 to 4 (level 1 shows the client's side only).

`<date>\\tCLIENT -> SERVER: ...` and `<date>\\tSERVER -> CLIENT: ...`; a multi-line reply continues on
lines of blanks, a tab and blanks (PHPMailer indents every line after the first). Level 3 adds
`Connection: ...` lines and level 4 `SMTP INBOUND: "..."` lines, both PHPMailer's own and skipped, as are
its `SMTP ERROR:` summaries (the server's reply they repeat is already in the dialogue).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript_formats.base import CapturedSession, SessionBuilder, numbered_lines

__all__ = ["READER"]

_ENTRY = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\t(?P<msg>.*)$")
_CONTINUED = re.compile(r"^ +\t {0,18}(?P<text>.*)$")
_SNIFF = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\t(?:CLIENT -> SERVER|SERVER -> CLIENT|Connection): ", re.M)
_CLIENT, _SERVER = "CLIENT -> SERVER: ", "SERVER -> CLIENT: "


def _when(stamp: str) -> float | None:
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return None


class _Reader:
    name = "phpmailer"
    description = "PHPMailer SMTPDebug 2-4 output"
    multi_session = False

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        session: SessionBuilder | None = None
        sessions = 0
        side = ""  # the direction the last entry had, for its continuation lines
        at: float | None = None
        for number, raw in numbered_lines(stream):
            entry = _ENTRY.match(raw)
            if entry is None:
                continued = _CONTINUED.match(raw)
                if continued is not None and session is not None and side:
                    text = continued["text"]
                    session.client(text, number, at) if side == "C" else session.server(text, number, at)
                continue
            msg, at = entry["msg"], _when(entry["ts"])
            side = "C" if msg.startswith(_CLIENT) else "S" if msg.startswith(_SERVER) else ""
            if msg.startswith("Connection: opening") and session is not None and session.lines:
                yield session.build()
                sessions, session = sessions + 1, None
            if not side:
                continue
            if session is None:
                session = SessionBuilder(label=f"session {sessions + 1}")
            text = msg[len(_CLIENT) :]
            session.client(text, number, at) if side == "C" else session.server(text, number, at)
        if session is not None and session.lines:
            yield session.build()
        elif sessions == 0:
            raise TranscriptFormatError("line 1: no PHPMailer CLIENT -> SERVER / SERVER -> CLIENT lines found")


READER = _Reader()
