"""The SMTP path: a transcript-recording client on smtplib, RFC 5321 sequence checks, reply classification."""

from __future__ import annotations

from mailcanary.smtp.replies import Code, Reply, ReplyClass, classify, ses_message_id
from mailcanary.smtp.result import (
    ConformanceProbe,
    ConformanceResult,
    ExitCode,
    RecipientOutcome,
    SmtpResult,
    Stage,
)
from mailcanary.smtp.sequence import validate
from mailcanary.smtp.sequence_report import Rule, SequenceReport, ServerRefusal, Violation
from mailcanary.smtp.session import send_canary
from mailcanary.smtp.target import SmtpTarget, Timeouts, TlsMode
from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine
from mailcanary.smtp.transcript_io import LoadedTranscript, load_transcript, parse_transcript

__all__ = [
    "Code",
    "ConformanceProbe",
    "ConformanceResult",
    "Direction",
    "ExitCode",
    "LoadedTranscript",
    "RecipientOutcome",
    "Reply",
    "ReplyClass",
    "Rule",
    "SequenceReport",
    "ServerRefusal",
    "SmtpResult",
    "SmtpTarget",
    "Stage",
    "Timeouts",
    "TlsMode",
    "Transcript",
    "TranscriptLine",
    "Violation",
    "classify",
    "load_transcript",
    "parse_transcript",
    "send_canary",
    "ses_message_id",
    "validate",
]
