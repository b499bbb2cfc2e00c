"""curl `-v` output of an `smtp://` or `smtps://` transfer: `> ` client lines, `< ` server lines.

`* ` lines are curl's own information, `} [N bytes data]` stands for the message content (curl does not
print it), and the progress meter is interleaved with carriage returns: each line is cut at `\\r` and
only the pieces that are dialogue are kept. A reply after the content ends it, as on the wire.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript_formats.base import CapturedSession, SessionBuilder, numbered_lines

__all__ = ["READER"]

_SNIFF = re.compile(r"^\*\s+(?:Trying |Connected to )", re.MULTILINE)
_REPLY = re.compile(r"^< \d{3}(?:[ -]|$)", re.MULTILINE)
_CONTENT = re.compile(r"^[}{] \[\d+ bytes data\]$")


class _Reader:
    name = "curl"
    description = "curl -v output of an smtp:// transfer"
    multi_session = False

    def sniff(self, head: str, raw: bytes) -> bool:
        text = head.replace("\r", "\n")
        return _SNIFF.search(text) is not None and _REPLY.search(text) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        session = SessionBuilder()
        for number, raw in numbered_lines(stream):
            for piece in raw.split("\r"):
                if piece.startswith("> "):
                    session.client(piece[2:], number)
                elif piece.startswith("< "):
                    session.server(piece[2:], number)
                elif _CONTENT.match(piece) and session.lines and session.lines[-1].text.startswith("354"):
                    session.client(piece, number)  # stands for the content curl sent, not printed
        if not session.lines:
            raise TranscriptFormatError("line 1: no curl > / < lines found")
        yield session.build()


READER = _Reader()
