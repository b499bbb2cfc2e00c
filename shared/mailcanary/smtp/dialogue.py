"""Pair the commands of a transcript with their replies, the way the server saw them.

Replies come back in the order commands were sent (RFC 5321 4.1; RFC 2920 for pipelining), so a FIFO
of commands awaiting a reply pairs them even when the client pipelined. Lines that are not commands are
recognised by state: AUTH continuations after a 334, message content after a 354 up to the lone `.`,
and a BDAT chunk's octets (RFC 3030). Never raises: an odd transcript yields odd exchanges, which the
sequence rules then judge.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from mailcanary.smtp.replies import Reply, ReplyLine, parse_reply_line
from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine

__all__ = ["Dialogue", "Exchange", "ParsedReply", "pair"]

_GREETING_CODES = frozenset({220, 421, 554})


@dataclass(frozen=True, slots=True)
class ParsedReply:
    """A complete (possibly multi-line) reply from a transcript, and where it sits there.

    `reply` is the same value the session builds from smtplib (`replies.Reply`), or None when the server
    wrote something that is not an SMTP reply line (a capture may contain anything).
    """

    reply: Reply | None
    lines: tuple[str, ...]  # as the server wrote them, codes included
    first_index: int
    last_index: int

    @property
    def code(self) -> int | None:
        return self.reply.code if self.reply is not None else None

    @property
    def enhanced(self) -> str | None:
        return self.reply.enhanced_status if self.reply is not None else None

    @property
    def positive(self) -> bool:
        """A positive completion (2xx, RFC 5321 4.2.1); 3xx go-aheads are not completions."""
        return self.reply is not None and 200 <= self.reply.code < 300

    def describe(self) -> str:
        """`503 5.5.1 Error: need RCPT command` — the first line as the server wrote it."""
        return self.lines[0] if self.lines else ""

    def keywords(self) -> frozenset[str]:
        """The EHLO keywords this reply advertises (see `Reply.keywords`)."""
        return self.reply.keywords() if self.reply is not None else frozenset()


def _build_reply(lines: list[str], parsed: list[ReplyLine], first_index: int, last_index: int) -> ParsedReply:
    """A reply from its lines (and their framing, parsed once): the code of the last line (RFC 5321 says they
    agree), status from the first."""
    code = parsed[-1].code
    # trimmed as smtplib trims, so a transcript's reply equals the one the session saw
    reply = Reply.from_lines(code, [each.text.strip(" \t") for each in parsed]) if code is not None else None
    return ParsedReply(reply, tuple(lines), first_index, last_index)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One client command, the replies it drew and what the client knew when it sent it."""

    index: int  # position of the command line in the transcript (0-based)
    text: str
    verb: str
    tls: bool
    reply: ParsedReply | None  # the final reply; None when none arrived
    interim: tuple[ParsedReply, ...] = ()  # 334 (AUTH) or 354 (DATA) before the final reply
    pipelined: bool = False  # sent while an earlier command still awaited its reply
    before_greeting: bool = False  # sent before the server's greeting arrived
    content_lines: int = 0  # DATA content lines, or BDAT chunk lines
    early_content: bool = False  # DATA content sent before the server's 354
    probe: bool = False  # sent by the conformance probe, out of order on purpose (`TranscriptLine.probe`)

    def replied_before(self, index: int) -> bool:
        """Whether the final reply had arrived before transcript line `index` was sent."""
        return self.reply is not None and self.reply.last_index < index


@dataclass(frozen=True, slots=True)
class Dialogue:
    """A transcript as greeting, exchanges in the order sent, and replies no command asked for."""

    greeting: ParsedReply | None
    exchanges: tuple[Exchange, ...]
    unsolicited: tuple[ParsedReply, ...]


@dataclass(slots=True)
class _Open:
    index: int
    text: str
    verb: str
    tls: bool
    pipelined: bool
    before_greeting: bool
    reply: ParsedReply | None = None
    interim: list[ParsedReply] = field(default_factory=list)
    content_lines: int = 0
    early_content: bool = False
    probe: bool = False

    def freeze(self) -> Exchange:
        return Exchange(
            self.index,
            self.text,
            self.verb,
            self.tls,
            self.reply,
            tuple(self.interim),
            self.pipelined,
            self.before_greeting,
            self.content_lines,
            self.early_content,
            self.probe,
        )


class _Pairer:
    """Walks the lines once; `mode` says what the next client line is (command, content, chunk, AUTH answer)."""

    def __init__(self) -> None:
        self.greeting: ParsedReply | None = None
        self.greeting_seen = False
        self.exchanges: list[_Open] = []
        self.queue: deque[_Open] = deque()
        self.unsolicited: list[ParsedReply] = []
        self.mode = "command"
        self.chunk_left = 0
        self.awaiting_go_ahead: _Open | None = None
        self.held: list[tuple[int, TranscriptLine]] = []

    def client(self, index: int, line: TranscriptLine, *, pipelined: bool | None = None) -> None:
        head = self.queue[0] if self.queue else None
        if self.mode == "content" and head is not None:
            head.content_lines += 1
            if line.text == ".":
                self.mode = "command"
        elif self.mode == "chunk" and self.exchanges:
            self.exchanges[-1].content_lines += 1
            self.chunk_left -= len(line.text.encode("utf-8", "replace")) + 2
            if self.chunk_left <= 0:
                self.mode = "command"
        elif self.mode == "auth-answer":
            self.mode = "command"
        elif self.awaiting_go_ahead is not None:
            self.held.append((index, line))
        else:
            self.command(index, line, pipelined=bool(self.queue) if pipelined is None else pipelined)

    def command(self, index: int, line: TranscriptLine, *, pipelined: bool) -> None:
        words = line.text.split()
        verb = words[0].upper() if words else ""
        opened = _Open(index, line.text, verb, line.tls, pipelined, not self.greeting_seen, probe=line.probe)
        self.exchanges.append(opened)
        self.queue.append(opened)
        if verb == "DATA":
            self.awaiting_go_ahead = opened
        elif verb == "BDAT" and len(words) > 1 and words[1].isdigit() and int(words[1]) > 0:
            self.mode, self.chunk_left = "chunk", int(words[1])

    def reply(self, reply: ParsedReply) -> None:
        if self.mode != "command":
            # a reply ends content even when the `.` was not recorded (swaks --suppress-data, a 421)
            self.mode = "command"
        if not self.greeting_seen and (not self.queue or reply.code in _GREETING_CODES):
            self.greeting_seen, self.greeting = True, reply
            return
        self.greeting_seen = True
        if not self.queue:
            self.unsolicited.append(reply)
            return
        head = self.queue[0]
        if head.verb == "AUTH" and reply.code == 334:
            head.interim.append(reply)
            self.mode = "auth-answer"
        elif head is self.awaiting_go_ahead and reply.code == 354:
            head.interim.append(reply)
            self.awaiting_go_ahead, self.mode = None, "content"
            head.early_content = bool(self.held)
            self._release_held(as_commands=False)
        else:
            self.queue.popleft()
            head.reply = reply
            if head is self.awaiting_go_ahead:
                self.awaiting_go_ahead = None
                self._release_held(as_commands=True)

    def _release_held(self, *, as_commands: bool) -> None:
        held, self.held = self.held, []
        for index, line in held:
            if as_commands:
                self.client(index, line, pipelined=True)  # they were sent while DATA awaited its reply
            else:
                self.client(index, line)

    def finish(self) -> Dialogue:
        if self.held:
            self.awaiting_go_ahead = None
            self._release_held(as_commands=True)
        return Dialogue(self.greeting, tuple(o.freeze() for o in self.exchanges), tuple(self.unsolicited))


def pair(transcript: Transcript, *, greeting_recorded: bool = True) -> Dialogue:
    """Group reply lines into replies (`250-...` continues, `250 ...` ends) and pair them with commands.

    `greeting_recorded=False`: the capture began after the greeting, so no command is "before" it.
    """
    pairer = _Pairer()
    pairer.greeting_seen = not greeting_recorded
    pending: list[str] = []
    parsed: list[ReplyLine] = []
    start = 0
    server = Direction.SERVER
    for index, line in enumerate(transcript.lines):
        if line.direction is server:
            if not pending:
                start = index
            text = line.text
            framing = parse_reply_line(text)
            pending.append(text)
            parsed.append(framing)
            if framing.more and framing.code is not None:
                continue
            pairer.reply(_build_reply(pending, parsed, start, index))
            pending, parsed = [], []
        else:
            if pending:  # a multi-line reply cut short by the client: judge what arrived
                pairer.reply(_build_reply(pending, parsed, start, index - 1))
                pending, parsed = [], []
            pairer.client(index, line)
    if pending:
        pairer.reply(_build_reply(pending, parsed, start, len(transcript.lines) - 1))
    return pairer.finish()
