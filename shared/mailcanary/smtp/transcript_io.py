"""Load a saved SMTP transcript: our JSON, or the text swaks prints, so users can check their own captures.

JSON is a list of transcript-line objects (`{"at", "direction", "text", "tls"}`, plus `"probe": true` on
the conformance probe's lines) or an object holding that list under "transcript" (as `smtp-probe --json`
prints it). swaks text uses its transaction hints:
` ->`/`<- ` plain, ` ~>`/`<~ ` inside TLS, `**>`/`<**` and `*~>`/`<~*` for lines swaks did not expect,
`===`/`***` for its own messages (skipped). AUTH arguments and AUTH answers are redacted on load, so a
capture holding credentials cannot leak them through anything built from it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript import REDACTED, Direction, Transcript, TranscriptLine

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ["LoadedTranscript", "load_transcript", "parse_json_transcript", "parse_swaks_transcript", "parse_transcript"]

_HINT = re.compile(r"^\s*(?P<hint>\*~>|\*\*>|->|~>|<~\*|<\*\*|<-|<~|===|\*\*\*)(?: (?P<text>.*))?$", re.DOTALL)
_RAW_DUMP = re.compile(r"^\s*(?:>|<) ")  # swaks --show-raw-text chunks; the hinted lines carry the same text
_CLIENT_HINTS = {"->": False, "~>": True, "**>": False, "*~>": True}  # hint -> inside TLS
_SERVER_HINTS = {"<-": False, "<~": True, "<**": False, "<~*": True}


@dataclass(frozen=True, slots=True)
class LoadedTranscript:
    """A transcript read from a file, with where each line came from (1-based) and swaks' unexpected marks."""

    transcript: Transcript
    source_lines: tuple[int, ...]
    unexpected: frozenset[int]  # transcript indexes swaks marked `**>`/`<**`
    format: str  # "json" or "swaks"


@cache
def _line_adapter() -> TypeAdapter[list[Any]]:
    """The boundary model for JSON lines; pydantic is imported only when JSON is actually read."""
    from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr, TypeAdapter

    class TranscriptLineModel(BaseModel):
        model_config = ConfigDict(extra="ignore", frozen=True)

        at: float = 0.0
        direction: Direction
        text: StrictStr
        tls: StrictBool = False
        probe: StrictBool = False

    return TypeAdapter(list[TranscriptLineModel])


def _redacted(lines: list[TranscriptLine]) -> list[TranscriptLine]:
    """AUTH keeps its mechanism; the answers a client gives to 334 challenges become `<redacted>`."""
    out: list[TranscriptLine] = []
    in_auth = answer_due = False
    for line in lines:
        text = line.text
        if line.direction is Direction.SERVER:
            answer_due = in_auth and text.startswith("334")
            in_auth = in_auth and answer_due
        elif answer_due:
            text, answer_due = REDACTED, False
        else:
            words = text.split()
            in_auth = bool(words) and words[0].upper() == "AUTH"
            if in_auth and len(words) > 2:
                text = " ".join([*words[:2], REDACTED])
        out.append(line if text == line.text else line._replace(text=text))
    return out


def parse_json_transcript(text: str) -> LoadedTranscript:
    """Our JSON: a list of line objects, or {"transcript": [...]}; errors name the line that is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptFormatError(f"line {exc.lineno}: invalid JSON: {exc.msg}") from exc
    if isinstance(data, dict):
        if "transcript" not in data:
            raise TranscriptFormatError('line 1: a JSON object must hold the lines under "transcript"')
        data = data["transcript"]
    if not isinstance(data, list):
        raise TranscriptFormatError("line 1: expected a JSON list of transcript lines")
    from pydantic import ValidationError

    try:
        models = _line_adapter().validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = first["loc"]
        item = int(where[0]) + 1 if where and isinstance(where[0], int) else 1
        field = ".".join(str(part) for part in where[1:]) or "line"
        raise TranscriptFormatError(f"transcript line {item}: {field}: {first['msg']}") from exc
    lines = [TranscriptLine(m.at, m.direction, m.text, m.tls, m.probe) for m in models]
    if not lines:
        raise TranscriptFormatError("line 1: the transcript holds no SMTP lines")
    positions = tuple(range(1, len(lines) + 1))
    return LoadedTranscript(Transcript(tuple(_redacted(lines))), positions, frozenset(), "json")


def parse_swaks_transcript(text: str) -> LoadedTranscript:
    """swaks output; message content after a 354 may also appear as bare lines continuing the client block."""
    lines: list[TranscriptLine] = []
    sources: list[int] = []
    unexpected: set[int] = set()
    in_content = False
    for number, raw in enumerate(text.splitlines(), start=1):
        match = _HINT.match(raw)
        if match is None:
            if in_content and lines:
                sources.append(number)
                lines.append(TranscriptLine(float(number), Direction.CLIENT, raw, lines[-1].tls))
                in_content = raw != "."
            elif raw.strip() and not _RAW_DUMP.match(raw):
                shown = raw.strip()[:60]
                raise TranscriptFormatError(f"line {number}: not a swaks transcript line: {shown!r}")
            continue
        hint, body = match["hint"], match["text"] or ""
        if hint in ("===", "***"):
            continue
        if "*" in hint:
            unexpected.add(len(lines))
        if hint in _CLIENT_HINTS:
            lines.append(TranscriptLine(float(number), Direction.CLIENT, body, _CLIENT_HINTS[hint]))
            in_content = in_content and body != "."
        else:
            body = body.lstrip(" ")
            lines.append(TranscriptLine(float(number), Direction.SERVER, body, _SERVER_HINTS[hint]))
            in_content = body.startswith("354")
        sources.append(number)
    if not lines:
        raise TranscriptFormatError("line 1: no swaks transcript lines found (expected '->', '<-', '~>', '<~')")
    return LoadedTranscript(Transcript(tuple(_redacted(lines))), tuple(sources), frozenset(unexpected), "swaks")


def parse_transcript(text: str) -> LoadedTranscript:
    """JSON when the text starts with `[` or `{`, swaks text otherwise."""
    text = text.removeprefix("\ufeff")
    if text.lstrip()[:1] in ("[", "{"):
        return parse_json_transcript(text)
    return parse_swaks_transcript(text)


def load_transcript(path: Path) -> LoadedTranscript:
    """Read and parse a transcript file; any failure is a `TranscriptFormatError` naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TranscriptFormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # 8-bit message content: keep every byte, judge the commands
    try:
        return parse_transcript(text)
    except TranscriptFormatError as exc:
        raise TranscriptFormatError(f"{path}: {exc}") from exc
