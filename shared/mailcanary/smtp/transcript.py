"""An SMTP transcript: every command sent and every reply line received, in order, as data.

Secrets never enter a transcript: the session redacts AUTH arguments before a line is recorded, so
anything built from a transcript (logs, JSON, alerts) is safe to publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Direction", "Transcript", "TranscriptLine"]

REDACTED = "<redacted>"


class Direction(StrEnum):
    """Who wrote a line: the client (a command or message data) or the server (a reply line)."""

    CLIENT = "client"
    SERVER = "server"


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One command or one reply line, with a monotonic timestamp (seconds) and whether TLS was active."""

    at: float
    direction: Direction
    text: str
    tls: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"at": round(self.at, 6), "direction": self.direction.value, "text": self.text, "tls": self.tls}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TranscriptLine:
        return cls(
            at=float(data.get("at", 0.0)),
            direction=Direction(data["direction"]),
            text=str(data["text"]),
            tls=bool(data.get("tls", False)),
        )

    def render(self) -> str:
        """swaks style: `->`/`<-` in clear text, `~>`/`<~` inside TLS."""
        arrow = {(Direction.CLIENT, False): "->", (Direction.SERVER, False): "<-"}
        arrow |= {(Direction.CLIENT, True): "~>", (Direction.SERVER, True): "<~"}
        return f"{arrow[(self.direction, self.tls)]} {self.text}"


@dataclass(frozen=True, slots=True)
class Transcript:
    """An ordered, immutable sequence of transcript lines."""

    lines: tuple[TranscriptLine, ...] = ()

    def __iter__(self) -> Iterator[TranscriptLine]:
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def extended(self, more: Iterable[TranscriptLine]) -> Transcript:
        return Transcript(self.lines + tuple(more))

    def to_list(self) -> list[dict[str, Any]]:
        return [line.to_dict() for line in self.lines]

    @classmethod
    def from_list(cls, data: Iterable[Mapping[str, Any]]) -> Transcript:
        return cls(tuple(TranscriptLine.from_dict(item) for item in data))

    def render(self) -> str:
        return "\n".join(line.render() for line in self.lines)
