"""Transcripts recorded from real SMTP sessions on 127.0.0.1 validate as the servers behaved.

The client is the standard library's smtplib, unmocked; a small subclass records every command and
every reply line (overriding `send` and `getreply`, as smtplib offers no hook) the way the session
module does, AUTH arguments redacted. Servers: the aiosmtpd lab server of tests/support/smtp_lab.py
(STARTTLS with a certificate made here, AUTH only after TLS) and, where it can be installed, the real
Postfix of the lab.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme

from mailcanary.cli import main
from mailcanary.smtp import Direction, Rule, Transcript, TranscriptLine, validate
from mailcanary.smtp.transcript import REDACTED
from tests.support.smtp_lab import USER, SmtpLab, smtp_lab

# aiosmtpd 1.4 itself sets the deprecated Session.login_data after every successful AUTH
pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")

PASSWORD = "functional-test-password"


class RecordingSMTP(smtplib.SMTP):
    """smtplib.SMTP that keeps a transcript of what went over the wire."""

    def __init__(self, host: str, port: int) -> None:
        self.lines: list[TranscriptLine] = []
        self.in_tls = False
        self._auth_pending = False
        super().__init__(host, port, timeout=10)

    def _record(self, direction: Direction, text: str) -> None:
        self.lines.append(TranscriptLine(time.monotonic(), direction, text, self.in_tls))

    def send(self, s: Any) -> None:
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else str(s)
        for line in text.split("\r\n")[:-1] if text.endswith("\r\n") else text.split("\r\n"):
            words = line.split()
            if words and words[0].upper() == "AUTH":
                self._auth_pending = True
                line = " ".join([*words[:2], REDACTED]) if len(words) > 2 else line
            elif self._auth_pending:
                line = REDACTED  # an answer to a 334 challenge
            self._record(Direction.CLIENT, line)
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        code, message = super().getreply()
        parts = message.decode("utf-8", "replace").split("\n")
        for n, part in enumerate(parts):
            self._record(Direction.SERVER, f"{code}{'-' if n < len(parts) - 1 else ' '}{part}".rstrip())
        self._auth_pending = self._auth_pending and code == 334
        return code, message

    def starttls(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        reply = super().starttls(*args, **kwargs)
        self.in_tls = True
        return reply

    def transcript(self) -> Transcript:
        return Transcript(tuple(self.lines))


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[SmtpLab]:
    """The lab server with STARTTLS required and AUTH only after TLS."""
    with smtp_lab(ca, password=PASSWORD, require_tls=True) as lab:
        yield lab


@pytest.fixture
def plain_server() -> Iterator[SmtpLab]:
    with smtp_lab(None) as lab:
        yield lab


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "canary@sender.test"
    message["To"] = "success@simulator.amazonses.com"
    message["Subject"] = "canary"
    message.set_content("RCPT TO:<looks-like-a-command@example.com>\n.starts with a dot\nQUIT\n")
    return message


def test_given_a_tls_auth_server_when_a_canary_is_sent_then_the_recorded_transcript_is_valid(
    tls_server: SmtpLab, ca: trustme.CA, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a real aiosmtpd with STARTTLS and AUTH after TLS, and a verifying client context
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)
    # When smtplib sends a canary stage by stage, one recipient refused
    with RecordingSMTP("127.0.0.1", tls_server.port) as smtp:
        smtp.ehlo("canary.example")
        smtp.starttls(context=client_tls)
        smtp.ehlo("canary.example")
        smtp.login(USER, PASSWORD)
        smtp.mail("canary@sender.test")
        assert smtp.rcpt("bounce@simulator.amazonses.com")[0] == 550
        assert smtp.rcpt("success@simulator.amazonses.com")[0] == 250
        assert smtp.data(_message().as_bytes())[0] == 250
    transcript = smtp.transcript()
    # Then the transcript is valid, TLS-marked after STARTTLS, and holds no password
    report = validate(transcript)
    assert report.valid, report.to_dict()
    assert report.commands == 9  # EHLO STARTTLS EHLO AUTH MAIL RCPT RCPT DATA QUIT
    assert [line.tls for line in transcript if line.text.upper().startswith("EHLO")] == [False, True]
    assert PASSWORD not in transcript.render()
    # And check-transcript agrees on the JSON form
    path = tmp_path / "live.json"
    path.write_text(json.dumps({"transcript": transcript.to_list()}))
    assert main(["check-transcript", str(path)]) == 0
    assert PASSWORD not in capsys.readouterr().out


def test_given_a_real_server_when_the_client_breaks_the_order_then_client_and_server_sides_are_named(
    plain_server: SmtpLab,
) -> None:
    # Given aiosmtpd, When the client sends RCPT before MAIL and DATA before any RCPT
    with RecordingSMTP("127.0.0.1", plain_server.port) as smtp:
        smtp.ehlo("canary.example")
        rcpt = smtp.docmd("RCPT", "TO:<success@simulator.amazonses.com>")
        data = smtp.docmd("DATA")
    # Then aiosmtpd refused both with its own 503s, and the report names rule, command and line of each
    assert rcpt == (503, b"Error: need MAIL command")
    assert data == (503, b"Error: need RCPT command")
    transcript = smtp.transcript()
    report = validate(transcript)
    assert [(v.rule, transcript.lines[v.index].text) for v in report.violations] == [
        (Rule.MAIL_BEFORE_RCPT, "RCPT TO:<success@simulator.amazonses.com>"),
        (Rule.RCPT_BEFORE_DATA, "DATA"),
    ]
    assert [(r.command.split()[0], r.code, r.confirms) for r in report.server_refusals] == [
        ("RCPT", 503, Rule.MAIL_BEFORE_RCPT),
        ("DATA", 503, Rule.RCPT_BEFORE_DATA),
    ]


@pytest.mark.postfix
def test_given_real_postfix_when_out_of_order_commands_are_sent_then_its_refusals_are_sequence_errors(
    postfix_lab: Any,
) -> None:
    # Given the lab's Postfix, When DATA comes with no MAIL, RCPT before MAIL, and DATA with no RCPT
    with RecordingSMTP(postfix_lab.host, postfix_lab.port) as smtp:
        smtp.ehlo("canary.example")
        smtp.docmd("DATA")
        smtp.docmd("RCPT", "TO:<postmaster@localhost>")
        smtp.docmd("RSET")
        smtp.mail("canary@localhost")
        smtp.docmd("DATA")
    report = validate(smtp.transcript())
    # Then each is a client violation, and Postfix's own replies are sequence refusals (503/554 5.5.1)
    assert [v.rule for v in report.violations] == [Rule.RCPT_BEFORE_DATA, Rule.MAIL_BEFORE_RCPT, Rule.RCPT_BEFORE_DATA]
    assert [(r.command.split()[0], r.code, r.enhanced) for r in report.server_refusals] == [
        ("DATA", 503, "5.5.1"),
        ("RCPT", 503, "5.5.1"),
        ("DATA", 554, "5.5.1"),
    ]
