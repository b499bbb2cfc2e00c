"""The SMTP path: a transcript-recording client on smtplib, RFC 5321 sequence checks, reply classification."""

from __future__ import annotations

from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine

__all__ = ["Direction", "Transcript", "TranscriptLine"]
