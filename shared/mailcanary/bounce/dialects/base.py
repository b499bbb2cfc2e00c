"""The dialect interface and the one text-block reader most dialects are configured with.

Most non-standard bounces are the same shape: a marker line, then one block per recipient (a head line
naming the address, then lines of explanation, often the remote server's SMTP reply), then a marker where
the returned original starts. A `Section` describes that shape with three regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class _Markers:
    """Marker phrases split by kind, so that a line is tested with one `startswith` and a few `in`."""

    prefixes: tuple[str, ...]
    inside: tuple[str, ...]
    anywhere: tuple[str, ...]  # both, for `in_text`

    @classmethod
    def of(cls, phrases: tuple[str, ...]) -> _Markers:
        prefixes = tuple(p[1:] for p in phrases if p.startswith("^"))
        inside = tuple(p for p in phrases if not p.startswith("^"))
        return cls(prefixes, inside, prefixes + inside)

    def in_line(self, lowered: str) -> bool:
        if self.prefixes and lowered.lstrip().startswith(self.prefixes):
            return True
        return any(phrase in lowered for phrase in self.inside)

    def in_text(self, lowered: str) -> bool:
        """Whether any marker occurs anywhere in the (lower-cased) text: no line can match otherwise."""
        return any(phrase in lowered for phrase in self.anywhere)


@dataclass(frozen=True)
class Section:
    """Markers are lower-case phrases found in a line; a leading "^" means the line starts with the phrase."""

    start: tuple[str, ...]  # the line before the recipient blocks
    head: re.Pattern[str]  # a recipient's first line; group "addr" is the address, group "rest" (optional) text
    end: tuple[str, ...] = ()  # the first line after the blocks
    action: str = "failed"
    start_markers: _Markers = field(init=False, repr=False, compare=False)
    end_markers: _Markers = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start_markers", _Markers.of(self.start))
        object.__setattr__(self, "end_markers", _Markers.of(self.end))


def line_has(line: str, phrases: tuple[str, ...]) -> bool:
    """Whether a line matches any marker phrase (see `Section`); plain `in` tests, no regular expressions."""
    return _Markers.of(phrases).in_line(line.lower())


def read_sections(text: str, sections: tuple[Section, ...]) -> tuple[Finding, ...]:
    """Findings of the first section that yields any; explanation lines are joined into the diagnostic."""
    lowered_text = text.lower()
    lines: list[str] | None = None
    lowered: list[str] = []
    for section in sections:
        if not section.start_markers.in_text(lowered_text):
            continue  # (the common case for all but one section: no need to split the text into lines)
        if lines is None:
            lines = text.splitlines()
            lowered = lowered_text.splitlines()  # (lower-casing never moves a line break)
        found = _read(lines, lowered, section)
        if found:
            return found
    return ()


def _read(lines: list[str], lowered: list[str], section: Section) -> tuple[Finding, ...]:
    start = next((i for i, line in enumerate(lowered) if section.start_markers.in_line(line)), None)
    if start is None:
        return ()
    blocks: list[tuple[str, list[str]]] = []
    has_end = bool(section.end)
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if has_end and section.end_markers.in_line(lowered[index]):
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
