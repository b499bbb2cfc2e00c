"""An SMTP transcript: every command sent and every reply line received, in order, as data.

Secrets never enter a transcript: the session redacts AUTH arguments before a line is recorded, and masks
every form of its credentials a server echoes back (`mailcanary.core.redaction.SecretForms`), so anything built
from a transcript (logs, JSON, alerts) is safe to publish.

Lines the conformance probe sends and receives are marked `probe`: those commands are out of order on
purpose, so the sequence validator leaves them out of its verdict on the canary's own session.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

__all__ = ["PROBE_BEGIN", "PROBE_END", "Direction", "Transcript", "TranscriptLine"]

REDACTED = "<redacted>"
# Fences around the conformance probe's lines in rendered text, so reading the text back keeps them marked.
PROBE_BEGIN = "=== probe begin: commands out of order on purpose, not judged"
PROBE_END = "=== probe end"


class Direction(StrEnum):
    """Who wrote a line: the client (a command or message data) or the server (a reply line)."""

    CLIENT = "client"
    SERVER = "server"


class TranscriptLine(NamedTuple):
    """One command or one reply line, with a monotonic timestamp (seconds) and whether TLS was active.

    An immutable record like the package's frozen dataclasses, but tuple-backed: the session records one
    per line while the server waits, and a tuple is built about four times faster than a frozen dataclass.
    """

    at: float
    direction: Direction
    text: str
    tls: bool = False
    probe: bool = False  # inside the conformance probe's RSET fence (deliberately out of order)

    def to_dict(self) -> dict[str, Any]:
        data = {"at": round(self.at, 6), "direction": self.direction.value, "text": self.text, "tls": self.tls}
        return data | {"probe": True} if self.probe else data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TranscriptLine:
        return cls(
            at=float(data.get("at", 0.0)),
            direction=Direction(data["direction"]),
            text=str(data["text"]),
            tls=bool(data.get("tls", False)),
            probe=bool(data.get("probe", False)),
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
        """swaks-style lines; the conformance probe's lines fenced by `PROBE_BEGIN` / `PROBE_END`."""
        out: list[str] = []
        probe = False
        for line in self.lines:
            if line.probe != probe:
                out.append(PROBE_BEGIN if line.probe else PROBE_END)
                probe = line.probe
            out.append(line.render())
        if probe:
            out.append(PROBE_END)
        return "\n".join(out)
