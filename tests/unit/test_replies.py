"""Reply parsing and classification over real server replies (Postfix, Exim, aiosmtpd, the SES SMTP interface)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.smtp.dialogue import pair
from mailcanary.smtp.replies import Code, Reply, ReplyClass, ReplyLine, classify, parse_reply_line, ses_message_id
from mailcanary.smtp.transcript import Direction, Transcript, TranscriptLine

# (server, command, code, text, expected class). Texts are as those servers send them.
REAL_REPLIES = [
    ("postfix", None, 220, "localhost ESMTP mailcanary-lab", ReplyClass.SUCCESS),
    ("postfix", "MAIL", 250, "2.1.0 Ok", ReplyClass.SUCCESS),
    ("postfix", "DATA", 354, "End data with <CR><LF>.<CR><LF>", ReplyClass.SUCCESS),
    ("postfix", "DATA", 503, "5.5.1 Error: need RCPT command", ReplyClass.SEQUENCE),
    ("postfix", "RCPT", 503, "5.5.1 Error: need MAIL command", ReplyClass.SEQUENCE),
    ("postfix", "DATA", 554, "5.5.1 Error: no valid recipients", ReplyClass.SEQUENCE),
    ("postfix", "MAIL", 503, "5.5.1 Error: nested MAIL command", ReplyClass.SEQUENCE),
    ("postfix", "BDAT", 502, "5.5.1 Error: command not implemented", ReplyClass.SYNTAX),
    ("postfix", "MAIL", 554, "5.5.1 Error: no valid recipients", ReplyClass.SEQUENCE),
    (
        "postfix",
        "RCPT",
        550,
        "5.1.1 <nobody@localhost>: Recipient address rejected: User unknown in local recipient table",
        ReplyClass.RECIPIENT,
    ),
    ("postfix", "RCPT", 554, "5.7.1 <x@example.org>: Relay access denied", ReplyClass.POLICY_CONTENT),
    ("postfix", "FOO", 502, "5.5.2 Error: command not recognized", ReplyClass.SYNTAX),
    ("postfix", "MAIL", 501, "5.5.4 Syntax: MAIL FROM:<address>", ReplyClass.SYNTAX),
    ("postfix", None, 421, "4.4.2 localhost Error: timeout exceeded", ReplyClass.TRANSIENT),
    (
        "postfix",
        "RCPT",
        450,
        "4.1.8 <a@nonexist.invalid>: Sender address rejected: Domain not found",
        ReplyClass.TRANSIENT,
    ),
    ("postfix", "RCPT", 451, "4.7.1 <a@example.com>: Recipient address rejected: Greylisted", ReplyClass.TRANSIENT),
    ("postfix", "MAIL", 452, "4.3.1 Insufficient system storage", ReplyClass.TRANSIENT),
    ("postfix", "AUTH", 535, "5.7.8 Error: authentication failed: authentication failure", ReplyClass.AUTH),
    ("postfix", "MAIL", 530, "5.7.0 Must issue a STARTTLS command first", ReplyClass.AUTH),
    ("postfix", "DATA", 552, "5.3.4 Message size exceeds fixed limit", ReplyClass.POLICY_CONTENT),
    ("postfix", "DATA", 250, "2.0.0 Ok: queued as 4XyZ1Q2w", ReplyClass.SUCCESS),
    ("exim", "DATA", 503, "valid RCPT command must precede DATA", ReplyClass.SEQUENCE),
    ("exim", "MAIL", 503, "sender already given", ReplyClass.SEQUENCE),
    ("exim", "RCPT", 550, "Unrouteable address", ReplyClass.RECIPIENT),
    ("exim", "DATA", 451, "Temporary local problem - please try later", ReplyClass.TRANSIENT),
    ("exim", "MAIL", 501, "<>: missing or malformed local part", ReplyClass.SYNTAX),
    ("exim", "AUTH", 535, "Incorrect authentication data", ReplyClass.AUTH),
    ("exim", "RCPT", 550, "5.7.1 Relay not permitted", ReplyClass.POLICY_CONTENT),
    ("aiosmtpd", "DATA", 503, "Error: need RCPT command", ReplyClass.SEQUENCE),
    ("aiosmtpd", "RCPT", 503, "Error: need MAIL command", ReplyClass.SEQUENCE),
    ("aiosmtpd", "MAIL", 530, "5.7.0 Authentication required", ReplyClass.AUTH),
    ("aiosmtpd", "AUTH", 535, "5.7.8 Authentication credentials invalid", ReplyClass.AUTH),
    ("aiosmtpd", "FOO", 500, 'Error: command "FOO" not recognized', ReplyClass.SYNTAX),
    ("aiosmtpd", "AUTH", 504, "5.5.4 Unrecognized authentication type", ReplyClass.SYNTAX),
    ("aiosmtpd", "STARTTLS", 454, "TLS not available", ReplyClass.TRANSIENT),
    ("aiosmtpd", "MAIL", 553, "5.1.3 Error: malformed address", ReplyClass.RECIPIENT),
    ("ses", None, 220, "email-smtp.amazonaws.com ESMTP SimpleEmailService-d-ABC123", ReplyClass.SUCCESS),
    ("ses", "AUTH", 235, "Authentication successful.", ReplyClass.SUCCESS),
    ("ses", "AUTH", 535, "Authentication Credentials Invalid", ReplyClass.AUTH),
    ("ses", "MAIL", 530, "Must issue a STARTTLS command first", ReplyClass.AUTH),
    ("ses", "MAIL", 454, "Throttling failure: Maximum sending rate exceeded.", ReplyClass.TRANSIENT),
    ("ses", "MAIL", 454, "Throttling failure: Daily message quota exceeded.", ReplyClass.TRANSIENT),
    (
        "ses",
        "DATA",
        554,
        "Message rejected: Email address is not verified. The following identities failed the check in region "
        "US-EAST-1: canary@example.com",
        ReplyClass.POLICY_CONTENT,
    ),
    ("ses", "DATA", 554, "Transaction failed: Duplicate header 'Subject'.", ReplyClass.POLICY_CONTENT),
    ("ses", "DATA", 451, "4.4.2 Timeout waiting for data from client.", ReplyClass.TRANSIENT),
    ("ses", "DATA", 250, "Ok 0100018c1f2e3d4c-5b6a7980-1a2b-4c3d-9e8f-0a1b2c3d4e5f-000000", ReplyClass.SUCCESS),
]


@pytest.mark.parametrize(("server", "command", "code", "text", "expected"), REAL_REPLIES)
def test_given_real_reply_when_classified_then_class_matches(
    server: str, command: str | None, code: int, text: str, expected: ReplyClass
) -> None:
    # Given a reply as a real server sends it; When classified with its command; Then the class is the expected one.
    reply = Reply.from_smtplib(code, text.encode())
    assert classify(reply, command) is expected, f"{server}: {code} {text}"


def test_given_postfix_554_551_without_command_when_classified_then_policy_not_sequence() -> None:
    # Given Postfix's "no valid recipients" but no command context; Then only the basic code speaks.
    reply = Reply.from_smtplib(554, b"5.5.1 Error: no valid recipients")
    assert classify(reply) is ReplyClass.POLICY_CONTENT
    assert classify(reply, "DATA") is ReplyClass.SEQUENCE
    assert classify(reply, "data") is ReplyClass.SEQUENCE


def test_given_multiline_ehlo_when_parsed_then_lines_kept_and_no_enhanced_status() -> None:
    # Given an EHLO reply of several lines; When parsed; Then each line is kept and no enhanced status is invented.
    reply = Reply.from_smtplib(250, b"localhost\nPIPELINING\nSIZE 10240000\nSTARTTLS\n8BITMIME")
    assert reply.lines == ("localhost", "PIPELINING", "SIZE 10240000", "STARTTLS", "8BITMIME")
    assert reply.enhanced_status is None
    assert classify(reply, "EHLO") is ReplyClass.SUCCESS


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        ("5.1.1 <a@b>: User unknown", "5.1.1", "<a@b>: User unknown"),
        ("4.7.0 TLS not available", "4.7.0", "TLS not available"),
        ("2.0.0 Ok: queued as X", "2.0.0", "Ok: queued as X"),
        ("5.7.11 Encryption required", "5.7.11", "Encryption required"),
        ("3.1.1 not a class", None, "3.1.1 not a class"),
        ("5.1.1x glued", None, "5.1.1x glued"),
        ("Error: need RCPT command", None, "Error: need RCPT command"),
        ("", None, ""),
    ],
)
def test_given_reply_text_when_parsed_then_enhanced_status_found_only_when_valid(
    text: str, status: str | None, message: str
) -> None:
    reply = Reply.from_smtplib(550, text.encode())
    assert reply.enhanced_status == status
    assert reply.message == message


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        (
            250,
            "Ok 0100018c1f2e3d4c-5b6a7980-1a2b-4c3d-9e8f-0a1b2c3d4e5f-000000",
            "0100018c1f2e3d4c-5b6a7980-1a2b-4c3d-9e8f-0a1b2c3d4e5f-000000",
        ),
        (250, "Ok <0100018c1f2e3d4c-abc-000000>", "0100018c1f2e3d4c-abc-000000"),
        (250, "2.0.0 Ok: queued as 4XyZ1Q2w", None),
        (250, "OK", None),
        (554, "Ok 0100018c-000000", None),
    ],
)
def test_given_final_reply_when_ses_id_extracted_then_only_ses_form_matches(
    code: int, text: str, expected: str | None
) -> None:
    assert ses_message_id(Reply.from_smtplib(code, text.encode())) == expected


def test_given_no_reply_when_ses_id_extracted_then_none() -> None:
    assert ses_message_id(None) is None


def test_given_reply_when_rendered_then_code_and_lines() -> None:
    assert str(Reply.from_smtplib(Code.BAD_SEQUENCE, b"5.5.1 Error: need RCPT command")) == (
        "503 5.5.1 Error: need RCPT command"
    )


@given(
    code=st.integers(min_value=100, max_value=699),
    text=st.text(max_size=40),
    command=st.sampled_from([None, "DATA", "RCPT", "MAIL"]),
)
def test_property_every_reply_gets_exactly_one_class_and_4xx_is_transient(
    code: int, text: str, command: str | None
) -> None:
    # Given any code and text; When classified; Then a class is returned, success iff 2xx/3xx, transient iff 4xx.
    reply = Reply.from_lines(code, text.split("\n"))
    klass = classify(reply, command)
    assert (klass is ReplyClass.SUCCESS) == (200 <= code < 400)
    assert (klass is ReplyClass.TRANSIENT) == (400 <= code < 500)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("250-SIZE 1000", ReplyLine(250, True, "SIZE 1000")),
        ("250 OK", ReplyLine(250, False, "OK")),
        ("354", ReplyLine(354, False, "")),
        ("199 too low", ReplyLine(None, False, "199 too low")),
        ("25O not digits", ReplyLine(None, False, "25O not digits")),
        ("250:colon", ReplyLine(None, False, "250:colon")),
        ("\u0662\u0665\u0660 arabic digits", ReplyLine(None, False, "\u0662\u0665\u0660 arabic digits")),
    ],
)
def test_given_transcript_line_when_framed_then_code_and_continuation_found(line: str, expected: ReplyLine) -> None:
    # Given a server line as recorded; When framed (RFC 5321 4.2); Then code, continuation and text are split
    assert parse_reply_line(line) == expected


@given(
    code=st.integers(min_value=200, max_value=599),
    texts=st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30),
        min_size=1,
        max_size=4,
    ),
)
def test_property_transcript_reply_equals_the_smtplib_reply(code: int, texts: list[str]) -> None:
    # Given reply lines as smtplib returns them (each trimmed) and as a transcript records them;
    texts = [text.strip(" \t") for text in texts]
    wire = [f"{code}{'-' if n < len(texts) - 1 else ' '}{text}" for n, text in enumerate(texts)]
    transcript = Transcript(tuple(TranscriptLine(0.0, Direction.SERVER, line) for line in wire))
    # When the validator's dialogue groups them
    greeting = pair(transcript).greeting
    # Then it holds the very Reply the session builds from smtplib (one parser for both)
    assert greeting is not None
    assert greeting.reply == Reply.from_smtplib(code, "\n".join(texts).encode())
