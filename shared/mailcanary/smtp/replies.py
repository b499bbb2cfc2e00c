"""SMTP replies as values: code, RFC 3463 enhanced status and text, and a classification of what went wrong.

The canary reasons about replies (is this a sequence error, a refused recipient, a throttle?) through
`classify`, never by matching reply text: servers word the same refusal differently (Postfix, Exim,
aiosmtpd and the SES SMTP interface all say "503" in their own words), but codes and enhanced status
codes are standard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import lru_cache
from typing import NamedTuple

__all__ = ["Code", "Reply", "ReplyClass", "ReplyLine", "classify", "parse_reply_line", "ses_message_id"]

# RFC 3463 section 2: class "." subject "." detail, at the start of the reply text (RFC 2034).
_ENHANCED_STATUS = re.compile(r"^([245])\.([0-9]{1,3})\.([0-9]{1,3})(?=\s|$)")
# The SES SMTP interface answers the final dot with "250 Ok <message-id>" (sometimes without the brackets).
_SES_OK = re.compile(r"^Ok\s+<?([A-Za-z0-9][A-Za-z0-9._@-]*)>?\s*$", re.IGNORECASE)


class Code(IntEnum):
    """The reply codes (RFC 5321 section 4.2.3, RFC 4954, RFC 3207) that mailcanary reasons about."""

    SERVICE_READY = 220
    CLOSING = 221
    AUTH_SUCCEEDED = 235
    OK = 250
    WILL_FORWARD = 251
    AUTH_CHALLENGE = 334
    START_MAIL_INPUT = 354
    SERVICE_NOT_AVAILABLE = 421
    MAILBOX_UNAVAILABLE_TRANSIENT = 450
    LOCAL_ERROR = 451
    INSUFFICIENT_STORAGE = 452
    TEMPORARY_FAILURE = 454  # TLS not available, temporary AUTH failure, SES throttling
    SYNTAX_ERROR = 500
    PARAMETER_SYNTAX_ERROR = 501
    NOT_IMPLEMENTED = 502
    BAD_SEQUENCE = 503
    PARAMETER_NOT_IMPLEMENTED = 504
    AUTH_REQUIRED = 530
    AUTH_TOO_WEAK = 534
    AUTH_FAILED = 535
    ENCRYPTION_REQUIRED = 538
    MAILBOX_UNAVAILABLE = 550
    USER_NOT_LOCAL = 551
    EXCEEDED_STORAGE = 552
    MAILBOX_NAME_NOT_ALLOWED = 553
    TRANSACTION_FAILED = 554


class ReplyClass(StrEnum):
    """What a reply means for the canary: success, or which kind of refusal."""

    SUCCESS = "success"
    SEQUENCE = "sequence"
    SYNTAX = "syntax"
    AUTH = "auth"
    RECIPIENT = "recipient"
    POLICY_CONTENT = "policy_content"
    TRANSIENT = "transient"
    OTHER = "other"


_SYNTAX_CODES = frozenset(
    {Code.SYNTAX_ERROR, Code.PARAMETER_SYNTAX_ERROR, Code.NOT_IMPLEMENTED, Code.PARAMETER_NOT_IMPLEMENTED}
)
_AUTH_CODES = frozenset({Code.AUTH_REQUIRED, Code.AUTH_TOO_WEAK, Code.AUTH_FAILED, Code.ENCRYPTION_REQUIRED})
_RECIPIENT_CODES = frozenset({Code.MAILBOX_UNAVAILABLE, Code.USER_NOT_LOCAL, Code.MAILBOX_NAME_NOT_ALLOWED})
_POLICY_CODES = frozenset({Code.EXCEEDED_STORAGE, Code.TRANSACTION_FAILED})
# Commands for which "x.5.1 invalid command" means "not valid in this state" (Postfix: 554 5.5.1 no valid recipients).
_SEQUENCE_SENSITIVE = frozenset({"MAIL", "RCPT", "DATA", "BDAT"})


# "200" .. "599": every 3-digit code a reply line may start with, looked up once per line.
_REPLY_CODES = {str(code): code for code in range(200, 600)}


class ReplyLine(NamedTuple):
    """One line as a server wrote it: its 3-digit code (None when it is not a reply line), and whether more follow."""

    code: int | None
    more: bool
    text: str  # after `250-` / `250 `; the whole line when it is not a reply line


def parse_reply_line(line: str) -> ReplyLine:
    """Split `250-SIZE 1000` into code 250, more=True, text `SIZE 1000` (RFC 5321 4.2 framing); never raises.

    smtplib does this framing for its own replies; transcripts (ours or a capture) need it done again.
    """
    code = _REPLY_CODES.get(line[:3])
    if code is not None:
        sep = line[3:4]
        if sep == " " or sep == "":
            return ReplyLine(code, False, line[4:])
        if sep == "-":
            return ReplyLine(code, True, line[4:])
    return ReplyLine(None, False, line)


@dataclass(frozen=True, slots=True)
class Reply:
    """One complete SMTP reply: its code, its enhanced status if any, and its text lines (without the code)."""

    code: int
    enhanced_status: str | None
    text: str
    lines: tuple[str, ...]

    @classmethod
    def from_lines(cls, code: int, lines: tuple[str, ...] | list[str]) -> Reply:
        """Build a reply from its code and the text of each line (as after `250-` / `250 `)."""
        lines = tuple(lines) or ("",)
        match = _ENHANCED_STATUS.match(lines[0])
        return cls(code=code, enhanced_status=match.group(0) if match else None, text="\n".join(lines), lines=lines)

    @classmethod
    def from_smtplib(cls, code: int, message: bytes | str) -> Reply:
        """Build a reply from what `smtplib` returns: the code and the lines joined by newlines."""
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        return cls.from_lines(code, text.split("\n"))

    @property
    def message(self) -> str:
        """The first line's text without its enhanced status code."""
        first = self.lines[0]
        return first[len(self.enhanced_status) :].lstrip() if self.enhanced_status else first

    @property
    def positive(self) -> bool:
        return 200 <= self.code < 400

    def keywords(self) -> frozenset[str]:
        """EHLO keywords (RFC 5321 4.1.1.1): the first word of every line after the first, upper-cased.

        The old `AUTH=LOGIN` form counts as `AUTH`.
        """
        return _keywords(self.lines)

    def __str__(self) -> str:
        return " ".join([str(self.code), *(line for line in self.lines if line)])


@lru_cache(maxsize=256)  # one server answers EHLO the same way in every session of a log
def _keywords(lines: tuple[str, ...]) -> frozenset[str]:
    return frozenset(words[0].split("=", 1)[0].upper() for words in map(str.split, lines[1:]) if words)


def _status_parts(reply: Reply) -> tuple[int, int, int] | None:
    if reply.enhanced_status is None:
        return None
    klass, subject, detail = (int(part) for part in reply.enhanced_status.split("."))
    return klass, subject, detail


def classify(reply: Reply, command: str | None = None) -> ReplyClass:
    """Classify a reply, optionally knowing the command it answers (`"DATA"`, `"RCPT"`, ...).

    Precedence, most specific first: 2xx/3xx succeed; any 4xx is transient (RFC 5321 reply class 4:
    retrying may succeed, whatever the subject); 503 is a sequence error; 500/501/502/504 are syntax
    (Postfix's `502 5.5.1 Error: command not implemented` too); x.5.1 answering MAIL/RCPT/DATA/BDAT is
    a sequence error (Postfix's `554 5.5.1 Error: no valid recipients`); 530/534/535/538 are auth; then
    the enhanced status subject (x.1.x addressing → recipient, x.7.x security or policy → policy/content)
    overrides the basic code (550/551/553 recipient, 552/554 policy/content).
    """
    code = reply.code
    if 200 <= code < 400:
        return ReplyClass.SUCCESS
    if 400 <= code < 500:
        return ReplyClass.TRANSIENT
    if code >= 600 or code < 200:
        return ReplyClass.OTHER
    status = _status_parts(reply)
    if code == Code.BAD_SEQUENCE:
        return ReplyClass.SEQUENCE
    verb = command.split(None, 1)[0].upper() if command and command.strip() else None
    if code in _SYNTAX_CODES:
        return ReplyClass.SYNTAX
    if status is not None and status[1:] == (5, 1) and verb in _SEQUENCE_SENSITIVE:
        return ReplyClass.SEQUENCE
    if code in _AUTH_CODES:
        return ReplyClass.AUTH
    if status is not None and status[1] == 1:
        return ReplyClass.RECIPIENT
    if status is not None and status[1] == 7:
        return ReplyClass.POLICY_CONTENT
    if code in _RECIPIENT_CODES:
        return ReplyClass.RECIPIENT
    if code in _POLICY_CODES:
        return ReplyClass.POLICY_CONTENT
    return ReplyClass.OTHER


def ses_message_id(reply: Reply | None) -> str | None:
    """The message id in the SES SMTP interface's `250 Ok <message-id>` answer to the final dot, if any."""
    if reply is None or reply.code != Code.OK:
        return None
    match = _SES_OK.match(reply.lines[-1].strip())
    return match.group(1) if match else None
