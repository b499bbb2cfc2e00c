"""What one SMTP canary session produced, as data: stage reached, replies, recipients, timings, transcript.

Exit codes follow swaks (the tool people already use at a terminal), so a probe's exit status means the
same thing to the person reading it as swaks's would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from mailcanary.smtp.replies import Reply, ReplyClass, classify
from mailcanary.smtp.transcript import Transcript

__all__ = [
    "ConformanceProbe",
    "ConformanceResult",
    "ExitCode",
    "RecipientOutcome",
    "SmtpResult",
    "Stage",
    "reply_to_dict",
]


class Stage(StrEnum):
    """The stages of a canary session, in order."""

    CONNECT = "connect"
    BANNER = "banner"
    EHLO = "ehlo"
    STARTTLS = "starttls"
    AUTH = "auth"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"
    DOT = "dot"
    QUIT = "quit"


class ExitCode(IntEnum):
    """swaks-style exit status: which stage failed."""

    OK = 0
    CONNECT = 2
    CONNECTION_CLOSED = 6
    BANNER = 21
    HELO = 22
    MAIL = 23
    NO_RECIPIENT = 24
    DATA = 25
    MESSAGE_REFUSED = 26
    AUTH = 28
    TLS = 29


_COMMAND_OF_STAGE = {Stage.DOT: "DATA", Stage.BANNER: "", Stage.CONNECT: ""}


def reply_to_dict(reply: Reply | None, command: str | None = None) -> dict[str, Any] | None:
    if reply is None:
        return None
    return {
        "code": reply.code,
        "enhanced_status": reply.enhanced_status,
        "text": reply.text,
        "class": classify(reply, command).value,
    }


@dataclass(frozen=True, slots=True)
class RecipientOutcome:
    """One RCPT TO and the server's answer."""

    address: str
    reply: Reply

    @property
    def accepted(self) -> bool:
        return self.reply.code in (250, 251)

    @property
    def reply_class(self) -> ReplyClass:
        return classify(self.reply, "RCPT")

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "accepted": self.accepted, "reply": reply_to_dict(self.reply, "RCPT")}


@dataclass(frozen=True, slots=True)
class ConformanceProbe:
    """One deliberately out-of-order command and whether the server refused it as a sequence error."""

    name: str  # e.g. "data-before-mail"
    rule: str  # the RFC 5321 ordering rule the command breaks
    command: str  # the command as sent (no secrets in these)
    reply: Reply | None  # None when the connection failed before an answer
    note: str = ""

    @property
    def reply_class(self) -> ReplyClass | None:
        return classify(self.reply, self.command) if self.reply is not None else None

    @property
    def conforming(self) -> bool:
        """True when the server refused the command as a sequence error (what RFC 5321 asks for)."""
        return self.reply_class is ReplyClass.SEQUENCE

    @property
    def violation(self) -> bool:
        """True when the server accepted the out-of-order command (a 2xx/3xx answer)."""
        return self.reply is not None and self.reply.positive

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rule": self.rule,
            "command": self.command,
            "reply": reply_to_dict(self.reply, self.command),
            "conforming": self.conforming,
            "violation": self.violation,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class ConformanceResult:
    """The opt-in conformance probe: each out-of-order command and the server's answer."""

    probes: tuple[ConformanceProbe, ...]
    error: str | None = None  # the probe could not finish (e.g. the connection dropped)

    @property
    def violations(self) -> tuple[ConformanceProbe, ...]:
        return tuple(probe for probe in self.probes if probe.violation)

    @property
    def passed(self) -> bool:
        """Every probe ran and was refused as a sequence error."""
        return self.error is None and bool(self.probes) and all(probe.conforming for probe in self.probes)

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "error": self.error, "probes": [probe.to_dict() for probe in self.probes]}


@dataclass(frozen=True, slots=True)
class SmtpResult:
    """The outcome of one canary session."""

    target: str
    stage: Stage  # the last stage attempted: where it failed, or QUIT when the message went through
    exit_code: ExitCode
    error: str | None = None  # one line: what failed, when something did
    failure_reply: Reply | None = None  # the reply that failed the stage, if a reply did
    tls: bool = False  # TLS protected the transaction
    tls_version: str | None = None
    authenticated: bool = False
    recipients: tuple[RecipientOutcome, ...] = ()
    final_reply: Reply | None = None  # the reply after the final dot
    message_id: str | None = None  # the SES message id from "250 Ok <message-id>"
    durations: tuple[tuple[Stage, float], ...] = ()  # seconds per stage, in the order the stages ran
    transcript: Transcript = field(default_factory=Transcript)
    conformance: ConformanceResult | None = None
    certificate_not_after: datetime | None = None  # the server certificate's expiry (UTC), when TLS showed one

    @property
    def ok(self) -> bool:
        return self.exit_code is ExitCode.OK

    @property
    def accepted_recipients(self) -> tuple[str, ...]:
        return tuple(outcome.address for outcome in self.recipients if outcome.accepted)

    @property
    def refused_recipients(self) -> tuple[RecipientOutcome, ...]:
        return tuple(outcome for outcome in self.recipients if not outcome.accepted)

    def duration(self, stage: Stage) -> float | None:
        return next((seconds for each, seconds in self.durations if each is stage), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the transcript is already redacted; no secret is ever in a result)."""
        return {
            "target": self.target,
            "ok": self.ok,
            "stage": self.stage.value,
            "exit_code": int(self.exit_code),
            "error": self.error,
            "failure_reply": reply_to_dict(
                self.failure_reply, _COMMAND_OF_STAGE.get(self.stage, self.stage.value.upper())
            ),
            "tls": self.tls,
            "tls_version": self.tls_version,
            "authenticated": self.authenticated,
            "recipients": [outcome.to_dict() for outcome in self.recipients],
            "accepted_recipients": list(self.accepted_recipients),
            "final_reply": reply_to_dict(self.final_reply, "DATA"),
            "message_id": self.message_id,
            "durations": {stage.value: round(seconds, 6) for stage, seconds in self.durations},
            "conformance": self.conformance.to_dict() if self.conformance else None,
            "certificate_not_after": self.certificate_not_after.isoformat() if self.certificate_not_after else None,
            "transcript": self.transcript.to_list(),
        }
