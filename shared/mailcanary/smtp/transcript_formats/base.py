"""What every transcript reader yields, and the small pieces they share.

A reader turns one kind of capture (a client's debug log, a server log, a packet capture, our own output)
into `CapturedSession`s: the same `Transcript` model the canary records, plus where each line came from.
Readers only read; the one sequence validator judges every session the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Protocol

from mailcanary.smtp.transcript import REDACTED, Direction, Transcript, TranscriptLine

__all__ = [
    "CapturedSession",
    "LogFinding",
    "Reader",
    "SessionBuilder",
    "decode",
    "numbered_lines",
    "redacted",
    "redacted_log_text",
]

HEAD_BYTES = 65536  # what detection looks at


@dataclass(frozen=True, slots=True)
class LogFinding:
    """A finding a log states by itself (a server's own protocol-error line), with no dialogue to judge."""

    rule: str  # a `sequence_report.Rule` value
    party: str  # who broke it: "client" or "server"
    outcome: str  # what the server did about it: "refused" or "accepted" (logged, and the session went on)
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class CapturedSession:
    """One SMTP session read from a capture: its transcript and where each line came from.

    `greeting_recorded` is False when the capture starts after the server's greeting (smtplib's debug
    output switched on after connect), so a first command is not judged as sent before the greeting.
    `encrypted_at` is the source position from which the stream is TLS and unreadable (after STARTTLS).
    """

    transcript: Transcript
    source_lines: tuple[int, ...]
    label: str = ""
    start_line: int = 1
    unexpected: frozenset[int] = frozenset()
    greeting_recorded: bool = True
    encrypted_at: int | None = None
    notes: tuple[LogFinding, ...] = ()


class Reader(Protocol):
    """One capture format: `sniff` says whether the start of a file looks like it, `read` yields its sessions."""

    name: str
    description: str
    multi_session: bool

    def sniff(self, head: str, raw: bytes) -> bool: ...

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]: ...


def decode(raw: bytes) -> str:
    """UTF-8, or (8-bit message content, a Latin-1 log) byte for byte: every byte kept, the commands judged."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def numbered_lines(stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    """(1-based line number, text without its line ending), streamed."""
    for number, raw in enumerate(stream, start=1):
        yield number, decode(raw).rstrip("\r\n")


def redacted(lines: list[TranscriptLine]) -> list[TranscriptLine]:
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


# An AUTH command quoted inside a server's log line (Exim's "SMTP protocol error in "AUTH PLAIN <blob>"", Postfix's
# "improper command pipelining after EHLO from ...: AUTH PLAIN <blob>"): its mechanism stays, its response goes.
_SASL_MECHANISMS = (
    r"PLAIN|LOGIN|CRAM-MD5|DIGEST-MD5|XOAUTH2?|OAUTHBEARER|SCRAM-SHA-\d+(?:-PLUS)?|GSSAPI|NTLM|EXTERNAL|ANONYMOUS"
)
_QUOTED_AUTH = re.compile(rf"(\bAUTH\s+(?:{_SASL_MECHANISMS})\s+)[^\s\"\\]+", re.IGNORECASE)


def redacted_log_text(text: str) -> str:
    """A server log line as a finding quotes it, with any AUTH response it carries masked."""
    return _QUOTED_AUTH.sub(lambda found: found[1] + REDACTED, text) if "auth" in text.lower() else text


@dataclass(slots=True)
class SessionBuilder:
    """Collects one session's lines; TLS starts after a 220 answers STARTTLS (RFC 3207), unless told."""

    label: str = ""
    greeting_recorded: bool = True
    lines: list[TranscriptLine] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)
    notes: list[LogFinding] = field(default_factory=list)
    tls: bool = False
    starttls_sent: bool = False
    encrypted_at: int | None = None
    first_line: int | None = None  # where the session starts in the file (a log's connect line), if not its first line
    auth_sent: bool = False  # a client line began with AUTH: only then is there anything to redact

    def client(self, text: str, source: int, at: float | None = None, *, probe: bool = False) -> None:
        at = float(source) if at is None else at
        self.lines.append(TranscriptLine(at, Direction.CLIENT, text, self.tls, probe))
        self.sources.append(source)
        if text[:8].upper() == "STARTTLS":
            self.starttls_sent = True
        elif not self.auth_sent and text.lstrip()[:4].upper() == "AUTH":  # as `redacted` finds it: the first word
            self.auth_sent = True

    def server(self, text: str, source: int, at: float | None = None, *, probe: bool = False) -> None:
        at = float(source) if at is None else at
        self.lines.append(TranscriptLine(at, Direction.SERVER, text, self.tls, probe))
        self.sources.append(source)
        if self.starttls_sent and text[3:4] != "-":
            self.starttls_sent = False
            if text[:3] == "220":
                self.tls = True

    def build(self) -> CapturedSession:
        start = self.sources[0] if self.sources else (self.notes[0].line if self.notes else 1)
        start = self.first_line if self.first_line is not None else start
        return CapturedSession(
            Transcript(tuple(redacted(self.lines) if self.auth_sent else self.lines)),
            tuple(self.sources),
            label=self.label,
            start_line=start,
            greeting_recorded=self.greeting_recorded,
            encrypted_at=self.encrypted_at,
            notes=tuple(self.notes),
        )
