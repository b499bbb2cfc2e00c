"""swaks output, by its transaction hints; also the core of mailcanary's own text output (same arrows).

` ->`/`<- ` plain, ` ~>`/`<~ ` inside TLS, `**>`/`<**` and `*~>`/`<~*` for lines swaks did not expect,
`===`/`***` for its own messages (skipped). Message content after a 354 may also appear as bare lines
continuing the client block (swaks --show-raw-text dumps, `> `/`< `, repeat hinted lines and are skipped).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine
from mailcanary.smtp.transcript_formats.base import CapturedSession, numbered_lines, redacted

__all__ = ["READER", "ArrowLines", "parse_lines"]

HINT = re.compile(r"^\s*(?P<hint>\*~>|\*\*>|->|~>|<~\*|<\*\*|<-|<~|===|\*\*\*)(?: (?P<text>.*))?$", re.DOTALL)
_RAW_DUMP = re.compile(r"^\s*(?:>|<) ")
_CLIENT_HINTS = {"->": False, "~>": True, "**>": False, "*~>": True}  # hint -> inside TLS
_SERVER_HINTS = {"<-": False, "<~": True, "<**": False, "<~*": True}
_SNIFF = re.compile(r"^(?:=== Trying |=== Connected to |\s*<-  ?\d{3}[ -]|\s*-> [A-Za-z]{4})", re.MULTILINE)


class ArrowLines:
    """Collects hinted lines; `feed` returns False for a line that is not part of the dialogue."""

    def __init__(self) -> None:
        self.lines: list[TranscriptLine] = []
        self.sources: list[int] = []
        self.unexpected: set[int] = set()
        self.in_content = False

    def feed(self, number: int, raw: str, *, probe: bool = False) -> bool:
        match = HINT.match(raw)
        if match is None:
            if self.in_content and self.lines:
                self.sources.append(number)
                self.lines.append(TranscriptLine(float(number), Direction.CLIENT, raw, self.lines[-1].tls, probe))
                self.in_content = raw != "."
                return True
            return not raw.strip() or _RAW_DUMP.match(raw) is not None
        hint, body = match["hint"], match["text"] or ""
        if hint in ("===", "***"):
            return True
        if "*" in hint:
            self.unexpected.add(len(self.lines))
        if hint in _CLIENT_HINTS:
            self.lines.append(TranscriptLine(float(number), Direction.CLIENT, body, _CLIENT_HINTS[hint], probe))
            self.in_content = self.in_content and body != "."
        else:
            body = body.lstrip(" ")
            self.lines.append(TranscriptLine(float(number), Direction.SERVER, body, _SERVER_HINTS[hint], probe))
            self.in_content = body.startswith("354")
        self.sources.append(number)
        return True

    def session(self, what: str) -> CapturedSession:
        if not self.lines:
            raise TranscriptFormatError(f"line 1: no {what} transcript lines found (expected '->', '<-', '~>', '<~')")
        transcript = Transcript(tuple(redacted(self.lines)))
        return CapturedSession(transcript, tuple(self.sources), unexpected=frozenset(self.unexpected))


def parse_lines(lines: Iterable[tuple[int, str]]) -> CapturedSession:
    """swaks output as numbered lines; a line that is no part of it is an error naming the line."""
    arrows = ArrowLines()
    for number, raw in lines:
        if not arrows.feed(number, raw):
            raise TranscriptFormatError(f"line {number}: not a swaks transcript line: {raw.strip()[:60]!r}")
    return arrows.session("swaks")


class _Reader:
    name = "swaks"
    description = "swaks output (its -> / <- / ~> / <~ transaction hints)"
    multi_session = False

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        yield parse_lines(numbered_lines(stream))


READER = _Reader()
