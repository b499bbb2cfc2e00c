"""Minimal SMTP reply-line parsing for the sequence validator: code, continuation mark, enhanced status.

Private on purpose: `smtp/replies.py` owns reply classification for the whole package; this module only
reads what the validator needs from a transcript line (RFC 5321 section 4.2 framing, RFC 3463 status)
and never raises, because a transcript may contain anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ENHANCED = re.compile(r"^(?P<status>[245]\.[0-9]{1,3}\.[0-9]{1,3})(?:\s|$)")


@dataclass(frozen=True, slots=True)
class ReplyLine:
    """One server line: its 3-digit code (None when the line is not a reply line) and whether more follow."""

    code: int | None
    more: bool
    text: str


@dataclass(frozen=True, slots=True)
class ParsedReply:
    """A complete (possibly multi-line) reply and where it sits in the transcript."""

    code: int | None
    enhanced: str | None
    lines: tuple[str, ...]
    first_index: int
    last_index: int

    @property
    def positive(self) -> bool:
        return self.code is not None and 200 <= self.code < 300

    @property
    def intermediate(self) -> bool:
        return self.code is not None and 300 <= self.code < 400

    def describe(self) -> str:
        """`503 5.5.1 Error: need RCPT command` — the first line as the server wrote it."""
        return self.lines[0] if self.lines else ""

    def keywords(self) -> frozenset[str]:
        """EHLO keywords (RFC 5321 4.1.1.1): the first word of every line after the first, upper-cased.

        The old `AUTH=LOGIN` form counts as `AUTH`.
        """
        found = set()
        for line in self.lines[1:]:
            parsed = parse_line(line)
            words = parsed.text.split()
            if words:
                found.add(words[0].split("=", 1)[0].upper())
        return frozenset(found)


def parse_line(text: str) -> ReplyLine:
    """Split `250-SIZE 1000` into code 250, more=True, text `SIZE 1000`; a non-reply line gets code None."""
    code, sep = text[:3], text[3:4]
    if len(code) == 3 and code[0] in "2345" and code.isascii() and code.isdigit() and sep in ("", " ", "-"):
        return ReplyLine(code=int(code), more=sep == "-", text=text[4:])
    return ReplyLine(code=None, more=False, text=text)


def build_reply(lines: list[str], first_index: int, last_index: int) -> ParsedReply:
    """A reply from its lines: the code of the last line (RFC 5321 says they agree), status from the first."""
    last = parse_line(lines[-1])
    first = parse_line(lines[0])
    status = _ENHANCED.match(first.text.lstrip())
    return ParsedReply(
        code=last.code,
        enhanced=status["status"] if status else None,
        lines=tuple(lines),
        first_index=first_index,
        last_index=last_index,
    )
