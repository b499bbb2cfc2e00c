"""The SMTP path: a transcript-recording client on smtplib, RFC 5321 sequence checks, reply classification."""

from __future__ import annotations

from mailcanary.smtp.sequence import validate
from mailcanary.smtp.sequence_report import Rule, SequenceReport, ServerRefusal, Violation
from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine
from mailcanary.smtp.transcript_io import LoadedTranscript, load_transcript, parse_transcript

__all__ = [
    "Direction",
    "LoadedTranscript",
    "Rule",
    "SequenceReport",
    "ServerRefusal",
    "Transcript",
    "TranscriptLine",
    "Violation",
    "load_transcript",
    "parse_transcript",
    "validate",
]
