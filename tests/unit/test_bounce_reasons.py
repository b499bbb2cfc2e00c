"""The reason taxonomy: classification is a function of (status, diagnostic), driven by tables."""

from __future__ import annotations

import pytest

from mailcanary.bounce import BounceParseError, Reason, best_status, classify, parse_bounce

R = Reason


@pytest.mark.parametrize(
    ("status", "diagnostic", "reason", "hard"),
    [
        ("5.1.1", None, R.USER_UNKNOWN, True),
        ("5.1.2", None, R.HOST_UNKNOWN, True),
        ("5.1.10", "null MX", R.NOT_ACCEPT, True),  # sisimai: notaccept
        ("5.2.1", None, R.MAILBOX_DISABLED, True),
        ("4.2.2", None, R.MAILBOX_FULL, False),
        ("5.2.2", None, R.MAILBOX_FULL, False),
        ("5.3.4", None, R.MESSAGE_TOO_LARGE, True),
        ("4.4.7", None, R.EXPIRED, False),
        ("4.4.1", None, R.NETWORK_ERROR, False),
        ("5.6.0", "bad MIME", R.CONTENT_ERROR, True),
        ("4.7.28", None, R.RATE_LIMITED, False),
        ("5.7.26", "unauthenticated email from example.com is not accepted due to DMARC", R.AUTH_FAILURE, True),
        # Broad codes let the text decide
        ("5.0.0", "550 Unknown user x@example.com", R.FILTERED, True),  # no command named: a gateway's (sisimai)
        ("5.7.1", "550 5.7.1 Message rejected as spam", R.SPAM, True),
        (
            "5.7.1",
            "550 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org",
            R.BLOCKED,
            True,
        ),  # IP listed
        ("5.7.1", "554 5.7.1 <x@example.net>: Relay access denied", R.NO_RELAYING, True),
        ("4.7.0", "421 4.7.0 Try again later, closing connection", R.RATE_LIMITED, False),
        # No status at all: the best code in the text, else the text alone
        (None, "550 550 5.1.1 user unknown (state 14)", R.USER_UNKNOWN, True),
        (None, "Domain does not exist", R.HOST_UNKNOWN, True),
        (None, "554 Message size exceeds fixed limit", R.MESSAGE_TOO_LARGE, True),
        (None, "452 Insufficient system storage", R.SYSTEM_FULL, False),  # RFC 5321: the server's storage
        (None, "connect to mx.example.net[192.0.2.1]:25: Connection refused", R.NETWORK_ERROR, False),
        (None, "something odd happened", R.UNDETERMINED, False),
        (None, "550 something odd happened", R.UNDETERMINED, True),
        (None, None, R.UNDETERMINED, False),
        # Suppression wins over the code SES reports with it
        ("5.1.1", "Amazon SES has suppressed sending to this address", R.SUPPRESSED, True),
    ],
)
def test_given_status_and_diagnostic_when_classified_then_reason_and_hardness(
    status: str | None, diagnostic: str | None, reason: Reason, hard: bool
) -> None:
    verdict = classify(status, diagnostic)
    assert (verdict.reason, verdict.hard) == (reason, hard)


@pytest.mark.parametrize(
    ("status", "diagnostic", "command", "reason"),
    [
        # An unknown-user reply refused at RCPT, or with a code naming the address, is an unknown user
        ("5.0.0", "550 Unknown user x@example.com", "RCPT", R.USER_UNKNOWN),
        (None, "550 5.1.1 <x@example.com>... User unknown", None, R.USER_UNKNOWN),
        ("5.1.351", "550 5.1.351 unknown recipient -> 550 Unknown user x@example.com", None, R.USER_UNKNOWN),
        # Refused after DATA, or by a gateway that names no command, it is a filter's verdict
        ("5.0.0", "550 Unknown user x@example.com", "DATA", R.FILTERED),
        ("5.2.1", "550 5.2.1 <x@example.com>... User Unknown", None, R.FILTERED),
        ("5.0.0", "smtp; 550 : User unknown", "RCPT", R.FILTERED),  # au's domain filter names no address
        # Wording only the mailbox's own server writes stays an unknown user whatever the command
        (None, "The recipient name is not recognized MSEXCH:IMS:X 0 (000C05A6)", None, R.USER_UNKNOWN),
        ("5.0.0", "554 delivery error: dd This user doesn't have a yahoo.com account", "DATA", R.USER_UNKNOWN),
        ("5.0.0", "smtp; 550 <x@ezweb.example.jp>: User unknown", None, R.USER_UNKNOWN),
    ],
)
def test_given_unknown_user_text_when_classified_then_command_and_code_decide_user_or_filter(
    status: str | None, diagnostic: str, command: str | None, reason: Reason
) -> None:
    assert classify(status, diagnostic, "failed", command).reason == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("550 550 5.1.1 user unknown", "5.1.1"),
        ("554 5.0.0 Service unavailable; 550 5.1.1 <x>... User unknown", "5.1.1"),  # specific beats generic
        ("554 5.0.0 Service unavailable", "5.0.0"),
        ("421-4.7.28 Gmail has detected", "4.7.28"),
        ("client 192.0.2.1 said 550", None),  # an IP address is not a status code
        ("version 10.5.1.2 of the software", None),
        ("", None),
    ],
)
def test_given_text_when_best_status_then_most_specific_enhanced_code(text: str, expected: str | None) -> None:
    assert best_status(text) == expected


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", "a str, not bytes"])
def test_given_no_message_when_parsed_then_typed_error(data: bytes) -> None:
    with pytest.raises(BounceParseError):
        parse_bounce(data)


def test_given_oversized_input_when_parsed_then_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import mailcanary.bounce.parse as parse_module

    monkeypatch.setattr(parse_module, "MAX_MESSAGE_BYTES", 100)
    with pytest.raises(BounceParseError, match="exceeds"):
        parse_bounce(b"Subject: x\n\n" + b"x" * 200)
