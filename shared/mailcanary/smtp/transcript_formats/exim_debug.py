"""Exim's debug output (`exim -bd -d`, or `-d+receive`): `SMTP<< command` and `SMTP>> reply` per process.

Exim writes a whole reply in one `SMTP>> ` debug line with its CRs removed, so the lines of a multi-line
reply after the first carry no `SMTP>>` (and, depending on the selectors, no pid): they continue the
reply until its last line (`250 ...`). Lines may start with a time and a pid (`+timestamp`, `+pid`);
each pid is one session. What Exim writes to its main log appears too, as `LOG: MAIN` followed by the text on
the next line of the same pid; its protocol-error texts are findings of that session, read as in the main log
(a client talking before the greeting, or pipelining when PIPELINING was not advertised, shows nowhere else).
On Exim's client side (its smtp transport) the arrows mean the opposite — a
reply code after `SMTP<<` says which side wrote the log, and the arrows are read accordingly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript_formats.base import CapturedSession, SessionBuilder, numbered_lines
from mailcanary.smtp.transcript_formats.exim_mainlog import finding

__all__ = ["READER"]

_TIME = r"(?:\d\d:\d\d:\d\d(?:\.\d+)? )?"
_LINE = re.compile(_TIME + r"\s*(?:(?P<pid>\d+) )?\s*SMTP(?P<dir><<|>>) (?P<text>.*)$")
_CONTINUED = re.compile(_TIME + r"\s*(?:(?P<pid>\d+) )?\s*(?P<text>\d{3}[ -].*)$")
_CODE = re.compile(r"^\d{3}(?:[ -]|$)")
_LOG = re.compile(_TIME + r"\s*(?:(?P<pid>\d+) )?\s*LOG: MAIN\b")
_LOGGED = re.compile(_TIME + r"\s*(?:(?P<pid>\d+) )?  (?P<text>\S.*)$")  # the text under `LOG: MAIN`, indented
_SNIFF = re.compile(r"^" + _TIME + r"\s*(?:\d+ )?\s*SMTP(?:<<|>>) ", re.MULTILINE)


class _Session:
    def __init__(self, pid: str) -> None:
        self.builder = SessionBuilder(label=f"exim[{pid}]" if pid else "")
        self.reply_open = False  # a multi-line reply whose last line has not come yet
        self.client_side: bool | None = None  # whether this is Exim's client (transport) debug

    def line(self, arrow: str, text: str, number: int) -> None:
        if self.client_side is None and arrow == "<<":
            self.client_side = _CODE.match(text) is not None
        from_server = (arrow == ">>") != bool(self.client_side)
        if from_server:
            self.builder.server(text, number)
            self.reply_open = text[3:4] == "-"
        else:
            self.builder.client(text, number)
            self.reply_open = False


class _Reader:
    name = "exim"
    description = "Exim debug output (-d): SMTP<< / SMTP>> per process"
    multi_session = True

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        sessions: dict[str, _Session] = {}
        last = ""
        logging: set[str] = set()  # pids whose next line is the text of a `LOG: MAIN`
        for number, raw in numbered_lines(stream):
            if logging:
                logged = _LOGGED.match(raw)
                pid = (logged["pid"] or "") if logged is not None else ""
                if logged is not None and pid in logging:
                    logging.discard(pid)
                    note = finding(logged["text"], number)
                    if note is not None:
                        sessions.setdefault(pid, _Session(pid)).builder.notes.append(note)
                    continue
            if "LOG: MAIN" in raw:
                log = _LOG.match(raw)
                if log is not None:
                    logging.add(log["pid"] or "")
                    continue
            found = _LINE.match(raw)
            if found is not None:
                pid = found["pid"] or ""
                text = found["text"]
                session = sessions.get(pid)
                greeting = found["dir"] == ">>" and text.startswith("220 ")
                if session is not None and greeting and session.builder.lines and not session.client_side:
                    yield sessions.pop(pid).builder.build()  # a reused pid: a new connection
                    session = None
                if session is None:
                    session = sessions[pid] = _Session(pid)
                session.line(found["dir"], text, number)
                last = pid
                continue
            continued = _CONTINUED.match(raw)
            if continued is not None:
                pid = continued["pid"] or last
                session = sessions.get(pid)
                if session is not None and session.reply_open:
                    session.builder.server(continued["text"], number)
                    session.reply_open = continued["text"][3:4] == "-"
        if not sessions:
            raise TranscriptFormatError("line 1: no Exim SMTP<< / SMTP>> debug lines found")
        yield from (session.builder.build() for session in sessions.values())


READER = _Reader()
