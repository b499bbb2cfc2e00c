"""Sequence validation throughput: validating N transcripts against only walking and splitting their lines.

The baseline is the least any checker must do (touch every line, split it into words), so the ratio
says what the pairing and the state machine cost on top. Info only: no target.
"""

from __future__ import annotations

from pathlib import Path

from mailcanary.smtp import Transcript, load_transcript, parse_transcript, validate
from scripts.benchmarks._common import Row, interleaved_medians

SAMPLES = Path(__file__).resolve().parents[2] / "tests" / "data" / "transcripts"


def _corpus(copies: int) -> tuple[list[Transcript], list[str]]:
    paths = sorted(SAMPLES.glob("*.swaks.txt"))
    texts = [path.read_text() for path in paths] * copies
    return [load_transcript(path).transcript for path in paths] * copies, texts


def _split_only(transcripts: list[Transcript]) -> int:
    words = 0
    for transcript in transcripts:
        for line in transcript:
            words += len(line.text.split())
    return words


def _split_text(texts: list[str]) -> int:
    return sum(len(line.split()) for text in texts for line in text.splitlines())


def run(quick: bool) -> list[Row]:
    copies, repeats = (5, 3) if quick else (50, 15)
    transcripts, texts = _corpus(copies)
    lines = sum(len(t) for t in transcripts)
    validated, walked = interleaved_medians(
        lambda: [validate(t) for t in transcripts], lambda: _split_only(transcripts), repeats
    )
    loaded, split = interleaved_medians(
        lambda: [parse_transcript(t) for t in texts], lambda: _split_text(texts), repeats
    )
    note = f"{len(transcripts)} transcripts, {lines} lines; {len(transcripts) / validated:,.0f} transcripts/s"
    return [
        Row("smtp.sequence.validate", "walk + split the same lines", validated, walked, note=note),
        Row("smtp.transcript_io.parse (swaks text)", "splitlines + split the same text", loaded, split),
    ]
