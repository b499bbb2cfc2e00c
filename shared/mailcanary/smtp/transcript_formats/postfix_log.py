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
from functools import lru_cache
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.sequence_report import Rule
from mailcanary.smtp.transcript_formats.base import (
    CapturedSession,
    LogFinding,
    SessionBuilder,
    decode,
    redacted_log_text,
)

__all__ = ["READER"]

# Searched over whole chunks of the file, so the many debug lines that are not dialogue are skipped in C.
_TAIL = (
    rb"(?:(?P<dir>[<>]) (?P<peer>[^\s\[]*\[[^\]\n]*\]): (?P<text>[^\n]*)"
    rb"|(?P<event>connect from|disconnect from|improper command pipelining after) (?P<rest>[^\n]*))"
)
_DIALOGUE = re.compile(rb"smtpd\[(?P<pid>\d+)\]: " + _TAIL)
# The same lines found from their `]: ` (a scan twice as fast as from `smtpd[`, which starts every line of a
# debug log); the `smtpd[pid` before it is then checked, and a line that fails the check is searched again
# with `_DIALOGUE`, so exactly the lines `_DIALOGUE` matches are read.
_CANDIDATE = re.compile(rb"\]: " + _TAIL)
_STAMP = re.compile(r"([A-Z][a-z]{2} +\d+ |\d{4}-\d\d-\d\dT)(\d\d):(\d\d):(\d\d(?:\.\d+)?)")
_SNIFF = re.compile(r"smtpd\[\d+\]: (?:[<>] \S*\[[^\]]*\]: |connect from )")
CHUNK = 1 << 20


@lru_cache(maxsize=1024)
def _seconds(line_start: bytes) -> float:
    """Seconds since midnight from the line's time of day (the date is not needed to order one session)."""
    found = _STAMP.match(line_start.decode("ascii", "replace"))
    if found is None:
        return 0.0
    return int(found[2]) * 3600 + int(found[3]) * 60 + float(found[4])


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The file in large pieces, each ending at a line end (the last one may not)."""
    rest = b""
    while piece := stream.read(CHUNK):
        piece = rest + piece
        cut = piece.rfind(b"\n") + 1
        if cut == 0:
            rest = piece
            continue
        rest = piece[cut:]
        yield piece[:cut]
    if rest:
        yield rest


def _pipelining_note(session: SessionBuilder, rest: str, number: int) -> LogFinding:
    after = rest.split(" ", 1)[0].upper()
    advertised = any(line.text[4:].upper().startswith("PIPELINING") for line in session.lines if line.text[:3] == "250")
    if after == "CONNECT":
        rule = Rule.GREETING_BEFORE_HELO
    elif advertised:
        rule = Rule.COMMAND_AFTER_GROUP_END
    else:
        rule = Rule.PIPELINING_NOT_ADVERTISED
    # smtpd logs it and goes on serving the session: the server let it through
    text = redacted_log_text(f"improper command pipelining after {rest}")
    return LogFinding(rule.value, "client", "accepted", number, text)


class _Reader:
    name = "postfix"
    description = "Postfix log with debug_peer_list (one verdict per smtpd session)"
    multi_session = True

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        sessions: dict[bytes, SessionBuilder] = {}
        matched = 0
        line_base = 1  # line number of the chunk's first line
        candidates, seconds = _CANDIDATE.finditer, _seconds
        for chunk in _chunks(stream):
            position, number = 0, line_base
            count, rfind = chunk.count, chunk.rfind
            for found in candidates(chunk):
                start = found.start()
                line_start = rfind(b"\n", 0, start) + 1
                bracket = rfind(b"[", line_start, start)
                pid = chunk[bracket + 1 : start]
                if bracket < 5 or chunk[bracket - 5 : bracket] != b"smtpd" or not pid.isdigit():
                    exact = _DIALOGUE.search(chunk, line_start, found.end())
                    if exact is None:
                        continue
                    start = exact.start()
                    pid, arrow, peer, text, event, rest = exact.groups()
                else:
                    arrow, peer, text, event, rest = found.groups()
                number += count(b"\n", position, start)
                position = start
                matched += 1
                if event is None:
                    session = sessions.get(pid)
                    if session is None:
                        session = sessions[pid] = SessionBuilder(label=f"smtpd[{pid.decode()}] {decode(peer)}")
                    at = seconds(chunk[line_start : line_start + 32])
                    if arrow == b"<":
                        session.client(decode(text.rstrip(b"\r")), number, at)
                    else:
                        session.server(decode(text.rstrip(b"\r")), number, at)
                elif event == b"connect from":
                    previous = sessions.pop(pid, None)
                    if previous is not None:
                        yield previous.build()
                    label = f"smtpd[{pid.decode()}] {decode(rest)}"
                    sessions[pid] = SessionBuilder(label=label, first_line=number)
                elif event == b"disconnect from":
                    finished = sessions.pop(pid, None)
                    if finished is not None:
                        yield finished.build()
                else:
                    session = sessions.setdefault(pid, SessionBuilder(label=f"smtpd[{pid.decode()}]"))
                    session.notes.append(_pipelining_note(session, decode(rest), number))
            line_base += chunk.count(b"\n")
        yield from (session.build() for session in sessions.values())
        if not matched:
            raise TranscriptFormatError("line 1: no Postfix smtpd dialogue lines found (is debug_peer_list set?)")


READER = _Reader()
