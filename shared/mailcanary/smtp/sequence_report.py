"""What the sequence validator reports: the rules (stable names), client violations, server refusals.

Rule values are stable: they appear in JSON output, alerts and tests, so rename nothing, only add.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Rule", "SequenceReport", "ServerAcceptance", "ServerRefusal", "Violation"]


class Rule(StrEnum):
    """An RFC 5321 ordering rule (or one of its extensions' rules) a client command can break."""

    GREETING_BEFORE_HELO = "greeting-before-helo"
    HELO_BEFORE_MAIL = "helo-before-mail"
    MAIL_BEFORE_RCPT = "mail-before-rcpt"
    MAIL_IN_TRANSACTION = "mail-in-transaction"
    RCPT_BEFORE_DATA = "rcpt-before-data"
    CONTENT_BEFORE_354 = "content-before-354"
    STARTTLS_NOT_ADVERTISED = "starttls-not-advertised"
    EHLO_AFTER_STARTTLS = "ehlo-after-starttls"
    AUTH_NOT_ADVERTISED = "auth-not-advertised"
    AUTH_BEFORE_TLS = "auth-before-tls"
    COMMAND_AFTER_QUIT = "command-after-quit"
    PIPELINING_NOT_ADVERTISED = "pipelining-not-advertised"
    COMMAND_AFTER_GROUP_END = "command-after-group-end"

    @property
    def reference(self) -> str:
        """Where the rule is written down."""
        return _REFERENCES[self]


_REFERENCES = {
    Rule.GREETING_BEFORE_HELO: "RFC 5321 3.1, 4.3.2",
    Rule.HELO_BEFORE_MAIL: "RFC 5321 4.1.4",
    Rule.MAIL_BEFORE_RCPT: "RFC 5321 3.3, 4.1.4",
    Rule.MAIL_IN_TRANSACTION: "RFC 5321 4.1.4",
    Rule.RCPT_BEFORE_DATA: "RFC 5321 3.3, 4.1.1.4",
    Rule.CONTENT_BEFORE_354: "RFC 5321 4.1.1.4, RFC 2920 3.1",
    Rule.STARTTLS_NOT_ADVERTISED: "RFC 3207 4",
    Rule.EHLO_AFTER_STARTTLS: "RFC 3207 4.2",
    Rule.AUTH_NOT_ADVERTISED: "RFC 4954 3",
    Rule.AUTH_BEFORE_TLS: "RFC 4954 4, 14",
    Rule.COMMAND_AFTER_QUIT: "RFC 5321 4.1.1.10",
    Rule.PIPELINING_NOT_ADVERTISED: "RFC 2920 3.1",
    Rule.COMMAND_AFTER_GROUP_END: "RFC 2920 3.1, RFC 3207 4",
}


class _AtCommand:
    """A finding about the command at transcript line `index` (0-based)."""

    __slots__ = ()
    index: int

    @property
    def position(self) -> int:
        """1-based line of the transcript, for people."""
        return self.index + 1


@dataclass(frozen=True, slots=True)
class Violation(_AtCommand):
    """A client command sent out of order: which rule, which command, where, and why it is wrong."""

    rule: Rule
    index: int  # 0-based position of the command line in the transcript
    command: str  # as sent, with AUTH arguments redacted
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.value,
            "reference": self.rule.reference,
            "index": self.index,
            "command": self.command,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class ServerRefusal(_AtCommand):
    """The server refused a command as a bad sequence (503, or x.5.1 on MAIL/RCPT/DATA/BDAT)."""

    index: int  # 0-based position of the refused command in the transcript
    command: str
    code: int
    enhanced: str | None
    reply: str  # the first reply line as the server wrote it
    confirms: Rule | None  # the client violation on the same command, when there is one
    explanation: str
    expected: bool = False  # RFC 2920 3.1: DATA pipelined behind RCPTs that were all refused; a correct refusal

    def to_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "index": self.index,
            "command": self.command,
            "code": self.code,
            "enhanced": self.enhanced,
            "reply": self.reply,
            "confirms": self.confirms.value if self.confirms else None,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class ServerAcceptance(_AtCommand):
    """The server accepted a command it should have refused as out of sequence (DATA with no RCPT, ...)."""

    index: int
    command: str
    reply: str
    explanation: str
    rule: Rule | None = None  # the rule the accepted command broke

    def to_dict(self) -> dict[str, Any]:
        rule = self.rule.value if self.rule else None
        return {"index": self.index, "command": self.command, "reply": self.reply, "explanation": self.explanation} | {
            "rule": rule
        }


@dataclass(frozen=True, slots=True)
class SequenceReport:
    """The verdict on one transcript: valid when nothing was out of order on either side."""

    violations: tuple[Violation, ...] = ()
    server_refusals: tuple[ServerRefusal, ...] = ()
    server_acceptances: tuple[ServerAcceptance, ...] = ()
    commands: int = 0  # how many client commands were judged
    probe_commands: int = 0  # conformance-probe commands left out (deliberately out of order)

    @property
    def valid(self) -> bool:
        """Nothing out of order; a refusal RFC 2920 3.1 calls for (`expected`) is not a fault."""
        refused = any(not r.expected for r in self.server_refusals)
        return not (self.violations or refused or self.server_acceptances)

    @property
    def rules(self) -> frozenset[Rule]:
        return frozenset(v.rule for v in self.violations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "commands": self.commands,
            "probe_commands": self.probe_commands,
            "violations": [v.to_dict() for v in self.violations],
            "server_refusals": [r.to_dict() for r in self.server_refusals],
            "server_acceptances": [a.to_dict() for a in self.server_acceptances],
        }
