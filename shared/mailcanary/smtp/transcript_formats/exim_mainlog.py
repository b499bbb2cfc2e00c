"""Exim's main log: no dialogue, but its own protocol-error lines are findings on their own.

`SMTP protocol error in "DATA" H=... valid RCPT command must precede DATA`, `SMTP protocol synchronization
error (input sent without waiting for greeting): rejected connection from H=...`, `... (next input sent too
soon: pipelining was not advertised): rejected "MAIL FROM:<...>" H=...`, `rejected MAIL ... HELO or EHLO
required`: each is the client's fault, refused by the server, and becomes one finding naming the rule.
Delivery lines (`<=`, `=>`, `Completed`) are read past. A log with none of these has nothing to judge.
The same texts follow `LOG: MAIN` in Exim's debug output; `finding` reads them there too. An AUTH response
Exim quotes is masked before it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from mailcanary.smtp.sequence_report import Rule
from mailcanary.smtp.transcript_formats.base import (
    CapturedSession,
    LogFinding,
    SessionBuilder,
    numbered_lines,
    redacted_log_text,
)

__all__ = ["READER", "finding"]

_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})? (?:\[\d+\] )?")
_SNIFF = re.compile(
    _STAMP.pattern + r"(?:\S+ (?:<=|=>|->|\*\*|==|Completed)|SMTP (?:connection|protocol|call|syntax)|"
    r"H=|no MAIL in SMTP connection|rejected )",
    re.MULTILINE,
)
_PROTOCOL = re.compile(r"SMTP protocol error in \"(?P<command>[^\"]*)\" (?P<rest>.*)$")
_SYNC = re.compile(r"SMTP protocol synchronization error \((?P<why>[^)]*)\)(?P<rest>.*)$")
_NO_HELO = re.compile(r".*rejected MAIL.*(?:HELO or EHLO required|no HELO/EHLO given)")
_HOST = re.compile(r"H=(\S+(?: \[[^\]]+\])?)")


def _rule(text: str) -> Rule | None:
    found = _PROTOCOL.match(text)
    if found is not None:
        verb, rest = found["command"].split(" ", 1)[0].upper(), found["rest"].lower()
        if "not advertised" in rest and verb == "AUTH":
            return Rule.AUTH_NOT_ADVERTISED
        if "not advertised" in rest and verb == "STARTTLS":
            return Rule.STARTTLS_NOT_ADVERTISED
        return {"DATA": Rule.RCPT_BEFORE_DATA, "BDAT": Rule.RCPT_BEFORE_DATA, "RCPT": Rule.MAIL_BEFORE_RCPT}.get(
            verb, Rule.HELO_BEFORE_MAIL if verb == "MAIL" and "helo" in rest else None
        )
    found = _SYNC.match(text)
    if found is not None:
        why = found["why"]
        if "greeting" in why:
            return Rule.GREETING_BEFORE_HELO
        return Rule.PIPELINING_NOT_ADVERTISED if "not advertised" in why else Rule.COMMAND_AFTER_GROUP_END
    return Rule.HELO_BEFORE_MAIL if _NO_HELO.match(text) else None


def finding(text: str, number: int) -> LogFinding | None:
    """The finding an Exim log text states (the line after its time stamp), or None when it states none."""
    if "SMTP protocol" not in text and "rejected MAIL" not in text:
        return None
    rule = _rule(text)
    if rule is None:
        return None
    return LogFinding(rule.value, "client", "refused", number, redacted_log_text(text)[:300])


class _Reader:
    name = "exim-mainlog"
    description = "Exim main log: its protocol-error lines, one finding each"
    multi_session = True

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        for number, raw in numbered_lines(stream):
            stamp = _STAMP.match(raw)
            found = finding(raw[stamp.end() :], number) if stamp is not None else None
            if found is None:
                continue
            host = _HOST.search(raw)
            session = SessionBuilder(label=f"H={host[1]}" if host else "", first_line=number)
            session.notes.append(found)
            yield session.build()


READER = _Reader()
