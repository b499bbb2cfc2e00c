"""`mailcanary smtp-probe` text output: the swaks-style transcript between its `===` header and its summary.

The conformance probe's lines sit between `=== probe begin` and `=== probe end` fences, so they stay
marked (and out of the verdict) when the output is read back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript import PROBE_BEGIN, PROBE_END
from mailcanary.smtp.transcript_formats.base import CapturedSession, numbered_lines
from mailcanary.smtp.transcript_formats.swaks import HINT, ArrowLines

__all__ = ["HEADER", "READER"]

HEADER = "=== SMTP canary to "


class _Reader:
    name = "smtp-probe"
    description = "mailcanary smtp-probe text output"
    multi_session = False

    def sniff(self, head: str, raw: bytes) -> bool:
        return head.lstrip().startswith(HEADER)

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        arrows = ArrowLines()
        probe = started = False
        for number, raw in numbered_lines(stream):
            if not started:
                started = raw.startswith(HEADER)
                continue
            if raw in (PROBE_BEGIN, PROBE_END):
                probe = raw == PROBE_BEGIN
                continue
            if (raw.startswith("=== ") and not arrows.in_content) or (
                HINT.match(raw) is None and not arrows.in_content
            ):
                break  # the summary after the transcript: stages, TLS, recipients, verdict
            if not arrows.feed(number, raw, probe=probe):
                raise TranscriptFormatError(f"line {number}: not a transcript line: {raw.strip()[:60]!r}")
        yield arrows.session("smtp-probe")


READER = _Reader()
