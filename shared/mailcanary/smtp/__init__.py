"""The SMTP path: a transcript-recording client on smtplib, RFC 5321 sequence checks, reply classification."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> module: imported on first use (PEP 562), so `import mailcanary.smtp.transcript_io` does not pay
# for smtplib, the session and the email package; command-line tools start fast.
_EXPORTS = {
    "Code": "replies",
    "Reply": "replies",
    "ReplyClass": "replies",
    "classify": "replies",
    "ses_message_id": "replies",
    "ConformanceProbe": "result",
    "ConformanceResult": "result",
    "ExitCode": "result",
    "RecipientOutcome": "result",
    "SmtpResult": "result",
    "Stage": "result",
    "validate": "sequence",
    "Rule": "sequence_report",
    "SequenceReport": "sequence_report",
    "ServerRefusal": "sequence_report",
    "Violation": "sequence_report",
    "send_canary": "session",
    "SmtpTarget": "target",
    "Timeouts": "target",
    "TlsMode": "target",
    "Direction": "transcript",
    "Transcript": "transcript",
    "TranscriptLine": "transcript",
    "LoadedTranscript": "transcript_io",
    "load_transcript": "transcript_io",
    "parse_transcript": "transcript_io",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


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
