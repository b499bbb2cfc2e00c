"""mailcanary's own JSON: a list of line objects, `{"transcript": [...]}`, or `smtp-probe --json` output.

Each line is `{"at", "direction", "text", "tls"}`, plus `"probe": true` on the conformance probe's lines
(kept, so the validator leaves the probe's deliberate out-of-order commands out of its verdict).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import IO, TYPE_CHECKING, Any

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine
from mailcanary.smtp.transcript_formats.base import CapturedSession, decode, redacted

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ["READER", "parse"]

_LOOKS_LIKE_JSON = re.compile(r"\s*(?:\[\s*[{\]]|\{\s*[\"}])")


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


def _lines_of(data: Any) -> Any:
    """The list of lines: top level, under "transcript", or under "result" → "transcript" (smtp-probe --json)."""
    if isinstance(data, dict) and "transcript" not in data and isinstance(data.get("result"), dict):
        data = data["result"]
    if isinstance(data, dict):
        if "transcript" not in data:
            raise TranscriptFormatError('line 1: a JSON object must hold the lines under "transcript"')
        data = data["transcript"]
    if not isinstance(data, list):
        raise TranscriptFormatError("line 1: expected a JSON list of transcript lines")
    return data


def parse(text: str) -> CapturedSession:
    """Our JSON; errors name the line that is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptFormatError(f"line {exc.lineno}: invalid JSON: {exc.msg}") from exc
    except RecursionError as exc:
        raise TranscriptFormatError("line 1: JSON nested too deeply to be a transcript") from exc
    data = _lines_of(data)
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
    return CapturedSession(Transcript(tuple(redacted(lines))), positions)


class _Reader:
    name = "json"
    description = "mailcanary JSON: smtp-probe --json output, or a list of transcript lines"
    multi_session = False

    def sniff(self, head: str, raw: bytes) -> bool:
        return _LOOKS_LIKE_JSON.match(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        yield parse(decode(stream.read()).removeprefix("\ufeff"))


READER = _Reader()
