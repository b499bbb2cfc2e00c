"""The dialect interface and the one text-block reader most dialects are configured with.

Most non-standard bounces are the same shape: a marker line, then one block per recipient (a head line
naming the address, then lines of explanation, often the remote server's SMTP reply), then a marker where
the returned original starts. A `Section` describes that shape with three regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from mailcanary.bounce.message_view import MessageView
from mailcanary.bounce.model import Finding

__all__ = ["ADDRESS", "Dialect", "Section", "TextDialect", "line_has", "read_sections"]

ADDRESS = r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
_REPLY_QUOTE = re.compile(r"^\s*<<<\s?")  # "<<< 550 5.1.1 ..." is the remote reply; ">>> RCPT TO:" ours


class Dialect(Protocol):
    """One family of non-standard bounce: recognise it, then name its recipients."""

    name: str

    def detect(self, msg: MessageView) -> bool: ...

    def parse(self, msg: MessageView) -> tuple[Finding, ...]: ...


@dataclass(frozen=True)
class Section:
    """Markers are lower-case phrases found in a line; a leading "^" means the line starts with the phrase."""

    start: tuple[str, ...]  # the line before the recipient blocks
    head: re.Pattern[str]  # a recipient's first line; group "addr" is the address, group "rest" (optional) text
    end: tuple[str, ...] = ()  # the first line after the blocks
    action: str = "failed"


def line_has(line: str, phrases: tuple[str, ...]) -> bool:
    """Whether a line matches any marker phrase (see `Section`); plain `in` tests, no regular expressions."""
    return _lower_line_has(line.lower(), phrases)


def _lower_line_has(lowered: str, phrases: tuple[str, ...]) -> bool:
    stripped = lowered.lstrip()
    return any(stripped.startswith(p[1:]) if p.startswith("^") else p in lowered for p in phrases)


def read_sections(text: str, sections: tuple[Section, ...]) -> tuple[Finding, ...]:
    """Findings of the first section that yields any; explanation lines are joined into the diagnostic."""
    lines = text.splitlines()
    lowered = text.lower().splitlines()  # once, not per line per section (lower-casing never moves a line break)
    for section in sections:
        found = _read(lines, lowered, section)
        if found:
            return found
    return ()


def _read(lines: list[str], lowered: list[str], section: Section) -> tuple[Finding, ...]:
    start = next((i for i, line in enumerate(lowered) if _lower_line_has(line, section.start)), None)
    if start is None:
        return ()
    blocks: list[tuple[str, list[str]]] = []
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if section.end and _lower_line_has(lowered[index], section.end):
            break
        head = section.head.match(line)
        if head:
            rest = head.groupdict().get("rest")
            blocks.append((head.group("addr"), [rest] if rest else []))
        elif blocks and line.strip() and not line.lstrip().startswith(">>>"):
            blocks[-1][1].append(_REPLY_QUOTE.sub("", line))
    return tuple(
        Finding(address=address, action=section.action, diagnostic_code=" ".join(" ".join(text).split()) or None)
        for address, text in blocks
    )


class TextDialect:
    """A dialect described by a detector and its sections (enough for all but the oddest formats)."""

    def __init__(self, name: str, detect: Callable[[MessageView], bool], *sections: Section) -> None:
        self.name = name
        self._detect = detect
        self._sections = sections

    def detect(self, msg: MessageView) -> bool:
        return self._detect(msg)

    def parse(self, msg: MessageView) -> tuple[Finding, ...]:
        return read_sections(msg.text, self._sections)


def compile_ci(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE)
