"""The plain-session fast path of the validator reports exactly what the full validator reports, where it answers.

Sessions come from a grammar of commands (every verb the validator knows, and some it does not), replies of
every kind (the expected one, refusals, other positive codes, multi-line, missing, unsolicited), message
content, TLS and probe marks. Wherever `plain_session_commands` answers, the full pairing and judging (run
with the fast path switched off) must find nothing and count the same commands.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailcanary.smtp import sequence as sequence_module
from mailcanary.smtp.sequence import SequenceReport, validate
from mailcanary.smtp.sequence_plain import plain_session_commands
from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine
from mailcanary.smtp.transcript_io import open_sessions

DATA = Path(__file__).resolve().parents[1] / "data" / "transcripts"
COMMANDS = [
    "EHLO client.example",
    "HELO client.example",
    "ehlo x",
    "MAIL FROM:<a@example.com>",
    "mail from:<>",
    "RCPT TO:<b@example.com>",
    "DATA",
    "RSET",
    "NOOP",
    "QUIT",
    "STARTTLS",
    "AUTH PLAIN abc",
    "VRFY b",
    "BDAT 10 LAST",
    "HELP",
    "",
    "  ",
]
CODES = [220, 250, 251, 354, 221, 334, 421, 450, 503, 550, 554]

step = st.one_of(
    st.tuples(st.just("c"), st.sampled_from(COMMANDS), st.booleans(), st.booleans()),
    st.tuples(st.just("r"), st.sampled_from(CODES), st.integers(0, 2), st.booleans()),  # code, extra lines, tls
    st.tuples(st.just("x"), st.sampled_from(["Subject: hi", "", ".", "..", "QUIT"]), st.booleans(), st.booleans()),
)


@st.composite
def sessions(draw: st.DrawFn) -> list[TranscriptLine]:
    """Mostly well-formed lock-step sessions, mutated: a step is a command, a reply, or a content line."""
    lines: list[TranscriptLine] = []
    for kind, value, a, b in draw(st.lists(step, max_size=24)):
        at = float(len(lines))
        if kind == "r":
            code = int(value)
            for _ in range(int(a)):
                lines.append(TranscriptLine(at, Direction.SERVER, f"{code}-more", b and draw(st.booleans())))
            lines.append(TranscriptLine(at, Direction.SERVER, f"{code} ok", b and draw(st.booleans())))
        else:
            probe = kind == "c" and b and draw(st.booleans())
            lines.append(TranscriptLine(at, Direction.CLIENT, str(value), kind == "c" and a and b, probe))
    return lines


@st.composite
def lock_step(draw: st.DrawFn) -> list[TranscriptLine]:
    """A plain session in order (EHLO or HELO, transactions, NOOPs, QUIT), then at most one mutation."""
    server, client = Direction.SERVER, Direction.CLIENT
    out: list[tuple[Direction, str]] = [(server, "220-mx") for _ in range(draw(st.integers(0, 1)))]
    out += [(server, "220 mx ready")]

    def reply(code: int) -> None:
        out.extend((server, f"{code}-more") for _ in range(draw(st.integers(0, 2))))
        out.append((server, f"{code} {draw(st.sampled_from(['ok', '2.1.0 Ok', '']))}".rstrip()))

    out.append((client, draw(st.sampled_from(["EHLO x", "HELO x", "ehlo [127.0.0.1]"]))))
    reply(250)
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            out.append((client, "NOOP"))
            reply(250)
        out.append((client, draw(st.sampled_from(["MAIL FROM:<a@b>", "mail FROM:<a@b> size=82"]))))
        reply(250)
        for _ in range(draw(st.integers(1, 3))):
            out.append((client, "RCPT TO:<c@d>"))
            reply(250)
        if draw(st.booleans()):
            out.append((client, "DATA"))
            reply(354)
            out += [(client, line) for line in draw(st.lists(st.sampled_from(["Subject: x", "", ".."]), max_size=3))]
            if draw(st.booleans()):
                out.append((client, "."))
            reply(250)
        else:
            out.append((client, "RSET"))
            reply(250)
    if draw(st.booleans()):
        out.append((client, "QUIT"))
        reply(221)
    mutation = draw(st.sampled_from(["none", "delete", "swap", "code", "insert", "tls"]))
    at = draw(st.integers(0, len(out) - 1))
    if mutation == "delete":
        del out[at]
    elif mutation == "swap" and at + 1 < len(out):
        out[at], out[at + 1] = out[at + 1], out[at]
    elif mutation == "code" and out[at][0] is server:
        out[at] = (server, f"{draw(st.sampled_from(CODES))} changed")
    elif mutation == "insert":
        out.insert(
            at, (draw(st.sampled_from([server, client])), draw(st.sampled_from([*COMMANDS, "250 ok", "503 no"])))
        )
    lines = [TranscriptLine(float(i), d, t) for i, (d, t) in enumerate(out)]
    if mutation == "tls":
        lines[at] = lines[at]._replace(tls=True)
    return lines


def _full(transcript: Transcript, greeting_recorded: bool) -> SequenceReport:
    with mock.patch.object(sequence_module, "plain_session_commands", return_value=None):
        return validate(transcript, greeting_recorded=greeting_recorded)


@settings(max_examples=600)
@given(st.one_of(sessions(), lock_step()), st.booleans())
@example(
    [
        TranscriptLine(0, Direction.SERVER, "220 hi"),
        TranscriptLine(1, Direction.CLIENT, "QUIT"),
        TranscriptLine(2, Direction.SERVER, "221 bye"),
    ],
    True,
)
def test_property_fast_path_reports_what_the_validator_reports(lines: list[TranscriptLine], greeting: bool) -> None:
    # Given any transcript; When the fast path answers for it
    transcript = Transcript(tuple(lines))
    commands = plain_session_commands(transcript, greeting_recorded=greeting)
    if commands is None:
        return
    # Then the full validator finds nothing out of order, refused or accepted out of sequence, and counts the same
    assert _full(transcript, greeting) == SequenceReport(commands=commands)


@pytest.mark.parametrize("path", sorted(p for p in DATA.iterdir() if p.suffix in (".txt", ".log", ".pcap")), ids=str)
def test_every_sample_capture_is_judged_the_same_with_and_without_the_fast_path(path: Path) -> None:
    # Given a real capture from the corpus; When each of its sessions is judged with and without the fast path
    _, found = open_sessions(str(path))
    for session in found:
        fast = validate(session.transcript, greeting_recorded=session.greeting_recorded)
        # Then the reports are the same
        assert fast == _full(session.transcript, session.greeting_recorded)


@pytest.mark.parametrize(("name", "taken"), [("ok.postfix.log", True), ("mail-before-ehlo.postfix.log", False)])
def test_a_valid_postfix_session_takes_the_fast_path_and_a_broken_one_does_not(name: str, taken: bool) -> None:
    # Given the real capture of a valid, and of a broken, Postfix session
    _, found = open_sessions(str(DATA / name))
    sessions_read = list(found)
    # When the fast path is asked; Then it answers for the valid one only
    assert sessions_read
    assert all((plain_session_commands(s.transcript) is not None) == taken for s in sessions_read)
