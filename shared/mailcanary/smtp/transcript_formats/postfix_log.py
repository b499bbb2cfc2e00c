"""Postfix's log with `debug_peer_list` matching the client: `< host[ip]: command`, `> host[ip]: reply`.

Each smtpd process (its pid) serves one session at a time, from `connect from` to `disconnect from`;
sessions of different processes interleave and are separated by pid. Postfix logs a reply when it makes
it, even when pipelining delays its sending, so command order in the log is the server's reading order;
its own `improper command pipelining after X` warning is then the evidence of a pipelining fault.
Debug lines that are not dialogue (`extract_addr:`, restriction traces, ...) are skipped. The file is read
as a stream: only open sessions are held, so memory does not grow with the log.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.sequence_report import Rule
from mailcanary.smtp.transcript_formats.base import CapturedSession, LogFinding, SessionBuilder, decode

__all__ = ["READER"]

_LINE = re.compile(
    r"(?P<ts>[A-Z][a-z]{2} +\d+ [\d:]+|\d{4}-\d\d-\d\dT[\d:.]+\S*) \S+ [^\s\[]*smtpd\[(?P<pid>\d+)\]: "
    r"(?:(?P<dir>[<>]) (?P<peer>[^\s\[]*\[[^\]]*\]): (?P<text>.*)"
    r"|(?P<event>connect from|disconnect from|improper command pipelining after) (?P<rest>.*))"
)
_MARKERS = (b"]: < ", b"]: > ", b"connect from ", b"improper command pipelining")
_SNIFF = re.compile(r"smtpd\[\d+\]: (?:[<>] \S*\[[^\]]*\]: |connect from )")


def _seconds(stamp: str) -> float:
    """Seconds since midnight from the log's time of day (the date is not needed to order one session)."""
    clock = stamp.rpartition(" ")[2] if " " in stamp else stamp.partition("T")[2][:15]
    try:
        hours, minutes, seconds = clock.split(":")[:3]
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds[:9])
    except ValueError:
        return 0.0


def _pipelining_note(session: SessionBuilder, rest: str, number: int) -> LogFinding:
    after = rest.split(" ", 1)[0].upper()
    advertised = any(line.text[4:].upper().startswith("PIPELINING") for line in session.lines if line.text[:3] == "250")
    if after == "CONNECT":
        rule = Rule.GREETING_BEFORE_HELO
    elif advertised:
        rule = Rule.COMMAND_AFTER_GROUP_END
    else:
        rule = Rule.PIPELINING_NOT_ADVERTISED
    return LogFinding(rule.value, "client", "noticed", number, f"improper command pipelining after {rest}")


class _Reader:
    name = "postfix"
    description = "Postfix log with debug_peer_list (one verdict per smtpd session)"
    multi_session = True

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        sessions: dict[str, SessionBuilder] = {}
        matched = 0
        markers = _MARKERS
        match_line = _LINE.match
        for number, raw in enumerate(stream, start=1):
            if not any(marker in raw for marker in markers):
                continue
            found = match_line(decode(raw).rstrip("\r\n"))
            if found is None:
                continue
            matched += 1
            pid = found["pid"]
            event = found["event"]
            if event is None:
                session = sessions.get(pid)
                if session is None:
                    session = sessions[pid] = SessionBuilder(label=f"smtpd[{pid}] {found['peer']}")
                at = _seconds(found["ts"])
                if found["dir"] == "<":
                    session.client(found["text"], number, at)
                else:
                    session.server(found["text"], number, at)
            elif event == "connect from":
                previous = sessions.pop(pid, None)
                if previous is not None:
                    yield previous.build()
                sessions[pid] = SessionBuilder(label=f"smtpd[{pid}] {found['rest']}")
            elif event == "disconnect from":
                finished = sessions.pop(pid, None)
                if finished is not None:
                    yield finished.build()
            else:
                session = sessions.setdefault(pid, SessionBuilder(label=f"smtpd[{pid}]"))
                session.notes.append(_pipelining_note(session, found["rest"], number))
        yield from (session.build() for session in sessions.values())
        if not matched:
            raise TranscriptFormatError("line 1: no Postfix smtpd dialogue lines found (is debug_peer_list set?)")


READER = _Reader()
