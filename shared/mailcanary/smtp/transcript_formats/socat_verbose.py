"""socat `-v` output of a relayed SMTP connection: `> date length=N from=A to=B` headers, then the data.

socat shows a carriage return as the two characters `\\r`; a data line ending in it is a whole SMTP line.
`>` is data from the first address (the client, when socat listens), `<` from the second (the server).
SMTP lines end in CRLF, so a data line without the `\\r` was cut between two blocks and is joined with the
next line of the same direction. After a 220 answers STARTTLS the rest is encrypted: the session is judged
up to the handshake and reported as encrypted from there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript_formats.base import CapturedSession, SessionBuilder, numbered_lines

__all__ = ["READER"]

_HEADER = re.compile(r"^([<>]) (\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)(\.\d+)?  length=(\d+) from=\d+ to=\d+$")
_SNIFF = re.compile(r"^[<>] \d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)?  length=\d+ from=\d+ to=\d+$", re.MULTILINE)


def _when(stamp: str, fraction: str | None) -> float | None:
    try:
        return datetime.strptime(stamp, "%Y/%m/%d %H:%M:%S").timestamp() + float(f"0{fraction or ''}")
    except ValueError:
        return None


class _Reader:
    name = "socat"
    description = "socat -v output of a relayed SMTP connection"
    multi_session = False

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        session = SessionBuilder()
        direction = ""
        at: float | None = None
        partial = {">": "", "<": ""}
        headers = 0
        for number, raw in numbered_lines(stream):
            header = _HEADER.match(raw)
            if header is not None:
                direction, at, headers = header[1], _when(header[2], header[3]), headers + 1
                continue
            if not direction:
                continue
            if session.tls:  # a 220 answered STARTTLS: the rest is the TLS handshake and encrypted data
                session.encrypted_at = number
                break
            if not raw.endswith("\\r"):
                partial[direction] += raw
                continue
            text, partial[direction] = partial[direction] + raw[:-2], ""
            if direction == ">":
                session.client(text, number, at)
            else:
                session.server(text, number, at)
        if not headers:
            raise TranscriptFormatError("line 1: no socat -v direction headers found")
        yield session.build()


READER = _Reader()
