"""A fast path of the sequence validator for the commonest session: lock-step, plain, every command accepted.

Most sessions in a server's log are exactly that: a 220 greeting, EHLO or HELO, then MAIL, RCPT, DATA with its
354 and content up to the lone `.`, maybe RSET or NOOP, and QUIT, each command sent after the reply to the one
before, each reply the positive one. `validate` finds nothing to report in such a session, and pairing every
line and judging it costs far more than recognising the shape. `plain_session_commands` walks the lines once
and answers how many commands the session has when it is of that shape, None otherwise; it accepts no TLS,
AUTH, BDAT, pipelining, refusal, probe line or anything else, which the full validator then judges. A
hypothesis property in tests/unit proves that wherever it answers, `validate` reports nothing and counts the
same commands.
"""

from __future__ import annotations

from mailcanary.smtp.replies import parse_reply_line
from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine

__all__ = ["plain_session_commands"]

# The positive reply each command of the shape must get (DATA: the 354 go-ahead; its final reply is 250).
_EXPECTED = {"EHLO": 250, "HELO": 250, "MAIL": 250, "RCPT": 250, "DATA": 354, "RSET": 250, "NOOP": 250, "QUIT": 221}


def plain_session_commands(transcript: Transcript, *, greeting_recorded: bool = True) -> int | None:
    """The number of commands of a lock-step plain session with every command accepted in order; else None."""
    lines = transcript.lines
    if not greeting_recorded or not lines:
        return None
    client = Direction.CLIENT
    end = len(lines)
    position = _reply(lines, 0, 220)
    commands = 0
    hello = mail = quit_sent = False
    rcpts = 0
    while position is not None and position < end:
        line = lines[position]
        if line.direction is not client or line.tls or line.probe or quit_sent:
            return None
        words = line.text.split()
        verb = words[0].upper() if words else ""
        expected = _EXPECTED.get(verb)
        if expected is None:
            return None
        if verb == "MAIL" and (not hello or mail):
            return None
        if (verb == "RCPT" and not mail) or (verb == "DATA" and not rcpts):
            return None
        commands += 1
        position = _reply(lines, position + 1, expected)
        if verb in ("EHLO", "HELO"):
            hello, mail, rcpts = True, False, 0
        elif verb == "MAIL":
            mail, rcpts = True, 0
        elif verb == "RCPT":
            rcpts += 1
        elif verb == "RSET":
            mail, rcpts = False, 0
        elif verb == "QUIT":
            quit_sent = True
        elif verb == "DATA" and position is not None:
            position = _content(lines, position)
            position = _reply(lines, position, 250) if position is not None else None
            mail, rcpts = False, 0
    return commands if position == end else None


def _reply(lines: tuple[TranscriptLine, ...], start: int, code: int) -> int | None:
    """Where the next line is after a complete reply of `code` starting at `start`; None if not that."""
    server = Direction.SERVER
    for index in range(start, len(lines)):
        line = lines[index]
        if line.direction is not server or line.tls or line.probe:
            return None
        framing = parse_reply_line(line.text)
        if framing.code != code:
            return None
        if not framing.more:
            return index + 1
    return None


def _content(lines: tuple[TranscriptLine, ...], start: int) -> int | None:
    """Where the final reply to DATA starts: after the content's lone `.`, or at the first server line (a server
    log records no content, and a reply ends content as the pairing has it); None when the session ends first."""
    client = Direction.CLIENT
    for index in range(start, len(lines)):
        line = lines[index]
        if line.direction is not client:
            return index
        if line.tls or line.probe:
            return None
        if line.text == ".":
            return index + 1
    return None
