"""Load saved SMTP transcripts in any format `transcript_formats` reads, so users can check their captures.

`open_sessions` streams the sessions of a file (or stdin) one at a time, so a large server log is judged
in flat memory; `load_transcript` / `parse_transcript` give the first session of a single-session capture.
Every failure is a `TranscriptFormatError` naming the file (and the line, where there is one).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript import Transcript
from mailcanary.smtp.transcript_formats import CapturedSession, Reader, detect, read_head, reader

__all__ = [
    "LoadedTranscript",
    "load_transcript",
    "open_sessions",
    "parse_json_transcript",
    "parse_swaks_transcript",
    "parse_transcript",
]


@dataclass(frozen=True, slots=True)
class LoadedTranscript:
    """A transcript read from a file, with where each line came from (1-based) and swaks' unexpected marks."""

    transcript: Transcript
    source_lines: tuple[int, ...]
    unexpected: frozenset[int]  # transcript indexes swaks marked `**>`/`<**`
    format: str  # a `transcript_formats.FORMATS` name
    greeting_recorded: bool = True

    @classmethod
    def of(cls, session: CapturedSession, format_name: str) -> LoadedTranscript:
        return cls(session.transcript, session.source_lines, session.unexpected, format_name, session.greeting_recorded)


def _sessions(chosen: Reader, stream: IO[bytes], where: str, ports: tuple[int, ...]) -> Iterator[CapturedSession]:
    try:
        yield from chosen.read(stream, ports)
    except TranscriptFormatError as exc:
        raise TranscriptFormatError(f"{where}{exc}") from exc
    except OSError as exc:
        raise TranscriptFormatError(f"{where}cannot read: {exc.strerror or exc}") from exc
    except (RecursionError, MemoryError) as exc:
        raise TranscriptFormatError(f"{where}too deeply nested or too large to read") from exc
    finally:
        stream.close()


def open_sessions(
    name: str, format_name: str | None = None, stdin: IO[bytes] | None = None, ports: tuple[int, ...] = ()
) -> tuple[Reader, Iterator[CapturedSession]]:
    """The reader used (forced, or detected) and an iterator over the sessions of `name` (`-` is stdin).

    `ports`: for packet captures, the TCP ports that carry SMTP (default 25, 465, 587, 2525).
    """
    where = "" if name == "-" else f"{name}: "
    try:
        if name == "-":
            stream: IO[bytes] = io.BytesIO((stdin if stdin is not None else _stdin()).read())
        else:
            stream = Path(name).open("rb")  # noqa: SIM115 - closed when the sessions are consumed
    except OSError as exc:
        raise TranscriptFormatError(f"{where}cannot read: {exc.strerror or exc}") from exc
    try:
        chosen = reader(format_name) if format_name else detect(read_head(stream))
    except TranscriptFormatError as exc:
        stream.close()
        raise TranscriptFormatError(f"{where}{exc}") from exc
    except OSError as exc:
        stream.close()
        raise TranscriptFormatError(f"{where}cannot read: {exc.strerror or exc}") from exc
    return chosen, _sessions(chosen, stream, where, ports)


def _stdin() -> IO[bytes]:
    import sys

    return sys.stdin.buffer


def _first(chosen: Reader, sessions: Iterator[CapturedSession]) -> LoadedTranscript:
    for session in sessions:
        return LoadedTranscript.of(session, chosen.name)
    raise TranscriptFormatError("line 1: the file holds no SMTP session")


def load_transcript(path: Path, format_name: str | None = None) -> LoadedTranscript:
    """Read and parse a transcript file (its first session); any failure is a `TranscriptFormatError`."""
    return _first(*open_sessions(str(path), format_name))


def parse_transcript(text: str, format_name: str | None = None) -> LoadedTranscript:
    """Parse transcript text of any known format (its first session)."""
    return _first(*open_sessions("-", format_name, io.BytesIO(text.encode("utf-8"))))


def parse_json_transcript(text: str) -> LoadedTranscript:
    """Our JSON: a list of line objects, `{"transcript": [...]}` or smtp-probe --json output."""
    return parse_transcript(text, "json")


def parse_swaks_transcript(text: str) -> LoadedTranscript:
    """swaks output."""
    return parse_transcript(text, "swaks")
