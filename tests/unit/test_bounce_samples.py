"""Table-driven: every sample in tests/data/bounces parses to its expected kind, dialect, recipients and reasons."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from mailcanary.bounce import BounceKind, Reason, parse_bounce

BOUNCES = Path(__file__).resolve().parents[1] / "data" / "bounces"


class Rcpt(NamedTuple):
    address: str
    action: str | None
    status: str | None
    reason: Reason
    hard: bool


class Case(NamedTuple):
    kind: BounceKind
    dialect: str
    recipients: tuple[Rcpt, ...]
    original_message_id: str | None = None


K, R = BounceKind, Reason
CASES: dict[str, Case] = {
    "postfix-genuine-user-unknown.eml": Case(
        K.BOUNCE, "rfc3464",
        (Rcpt("nosuchuser-8403b8607600@localhost", "failed", "5.1.1", R.USER_UNKNOWN, True),),
        "<canary-8403b8607600@mailcanary.test>",
    ),
    "rfc3464-sendmail-message-too-large.eml": Case(
        K.BOUNCE, "rfc3464", (Rcpt("rcpt@example.org", "failed", "5.2.3", R.MESSAGE_TOO_LARGE, True),),
        "<sendmail-too-large-1@example.co.jp>",
    ),
    "rfc3464-courier-unknown-user.eml": Case(
        K.BOUNCE, "rfc3464", (Rcpt("rcpt@example.jp", "failed", "5.0.0", R.FILTERED, True),),  # refused after DATA
        "<courier-dsn-1@mail.example.org>",
    ),
    "rfc3464-outlook-user-unknown.eml": Case(
        K.BOUNCE, "rfc3464", (Rcpt("rcpt@example.jp", "failed", "5.1.1", R.USER_UNKNOWN, True),),
        "<outlook-dsn-1@phx.example.com>",
    ),
    "rfc3464-postfix-yahoo-policy.eml": Case(
        K.BOUNCE, "rfc3464", (Rcpt("rcpt@aol.example.net", "failed", "5.7.9", R.POLICY_VIOLATION, True),),
    ),
    "rfc3464-postfix-delayed-network.eml": Case(
        K.DELAY, "rfc3464", (Rcpt("rcpt@slow.example.net", "delayed", "4.4.1", R.NETWORK_ERROR, False),),
    ),
    "rfc3464-postfix-host-unknown.eml": Case(
        K.BOUNCE, "rfc3464", (Rcpt("rcpt@nonexistent.example", "failed", "5.4.4", R.HOST_UNKNOWN, True),),
    ),
    "rfc3464-postfix-expired.eml": Case(
        K.BOUNCE, "rfc3464", (Rcpt("rcpt@down.example.net", "failed", "4.4.7", R.EXPIRED, False),),
    ),
    "rfc3464-postfix-spam.eml": Case(
        K.BOUNCE, "rfc3464", (Rcpt("rcpt@filtered.example.net", "failed", "5.7.1", R.SPAM, True),),
    ),
    "rfc3464-postfix-gmail-rate-limited.eml": Case(
        K.DELAY, "rfc3464", (Rcpt("rcpt@gmail.example.com", "delayed", "4.7.28", R.RATE_LIMITED, False),),
    ),
    "rfc3464-postfix-mailbox-disabled.eml": Case(
        K.BOUNCE, "rfc3464", (Rcpt("gone@gmail.example.com", "failed", "5.2.1", R.MAILBOX_DISABLED, True),),
    ),
    "rfc3464-postfix-mixed-mailbox-full.eml": Case(  # the delivered recipient is not reported
        K.BOUNCE, "rfc3464", (Rcpt("full@example.net", "failed", "5.2.2", R.MAILBOX_FULL, False),),
    ),
    "rfc3464-postfix-success.eml": Case(K.NOT_BOUNCE, "rfc3464", ()),
    "rfc3464-ses-suppressed.eml": Case(
        K.BOUNCE, "rfc3464", (Rcpt("suppressed@example.net", "failed", "5.1.1", R.SUPPRESSED, True),),
        "<0100018889aaaaaa-original-000000@email.amazonses.com>",
    ),
    "exim-header-error.eml": Case(
        K.BOUNCE, "exim", (Rcpt("rcpt@example.or.jp", "failed", "5.7.0", R.POLICY_VIOLATION, True),),
        "<exim-header-error-1@example.jp>",
    ),
    "exim-user-unknown-two-recipients.eml": Case(
        K.BOUNCE, "exim",
        (
            Rcpt("nobody@example.net", "failed", "5.1.1", R.USER_UNKNOWN, True),
            Rcpt("other@example.net", "failed", "5.2.2", R.MAILBOX_FULL, False),
        ),
        "<exim-two-1@example.com>",
    ),
    "exim-delay-warning.eml": Case(
        K.DELAY, "exim", (Rcpt("slow@example.net", "delayed", "4.3.0", R.SYSTEM_ERROR, False),),
    ),
    "qmail-mailbox-full.eml": Case(
        K.BOUNCE, "qmail", (Rcpt("rcpt@example.jp", "failed", "4.2.2", R.MAILBOX_FULL, False),),
        "<qmail-full-1@example.co.jp>",
    ),
    "sendmail-text-user-unknown.eml": Case(
        K.BOUNCE, "sendmail", (Rcpt("nobody@example.org", "failed", "5.1.1", R.USER_UNKNOWN, True),),
        "<sendmail-text-1@example.jp>",
    ),
    "exchange-classic-recipient-not-found.eml": Case(
        K.BOUNCE, "exchange", (Rcpt("rcpt@example.com", "failed", "5.7.1", R.FILTERED, True),),  # a gateway's
    ),
    "office365-text-recipnotfound.eml": Case(
        K.BOUNCE, "exchange", (Rcpt("missing@contoso.example", "failed", "5.1.1", R.USER_UNKNOWN, True),),
        "<o365-text-1@example.com>",
    ),
    "gmail-text-user-unknown.eml": Case(
        K.BOUNCE, "gmail", (Rcpt("nobody@example.fr", "failed", "5.1.1", R.USER_UNKNOWN, True),),
        "<gmail-text-1@gmail.example.com>",
    ),
    "yahoo-not-valid-recipient.eml": Case(
        K.BOUNCE, "yahoo", (Rcpt("nobody@yahoo.example.com", "failed", "5.1.1", R.USER_UNKNOWN, True),),
        "<yahoo-1@mail.yahoo.example.com>",
    ),
    "opensmtpd-domain-does-not-exist.eml": Case(
        K.BOUNCE, "opensmtpd", (Rcpt("rcpt@nowhere.example.jp", "failed", "5.1.2", R.HOST_UNKNOWN, True),),
        "<opensmtpd-1@example.jp>",
    ),
    "courier-text-unknown-user.eml": Case(
        K.BOUNCE, "courier", (Rcpt("rcpt@example.jp", "failed", "5.1.1", R.USER_UNKNOWN, True),),
    ),
    "domino-not-listed.eml": Case(
        K.BOUNCE, "domino", (Rcpt("rcpt@domino.example.com", "failed", "5.1.1", R.USER_UNKNOWN, True),),
    ),
    "domino-failure-reasons.eml": Case(
        K.BOUNCE, "domino", (Rcpt("rcpt@notes.example.co.jp", "failed", "5.1.1", R.USER_UNKNOWN, True),),
        "<domino-reasons-1@example.jp>",
    ),
    "postfix-text-relay-denied.eml": Case(
        K.BOUNCE, "postfix", (Rcpt("rcpt@other.example.net", "failed", "5.7.1", R.NO_RELAYING, True),),
    ),
    "arf-yahoo-abuse.eml": Case(
        K.COMPLAINT, "arf", (Rcpt("complainer@yahoo.example", None, None, R.COMPLAINT, False),),
        "<arf-original-1@example.com>",
    ),
    "autoreply-out-of-office.eml": Case(
        K.AUTO_REPLY, "rfc3834", (Rcpt("rcpt@example.net", None, None, R.AUTO_REPLY, False),),
    ),
    "autoreply-vacation.eml": Case(
        K.AUTO_REPLY, "rfc3834", (Rcpt("rcpt@example.org", None, None, R.AUTO_REPLY, False),),
    ),
    "not-bounce-human.eml": Case(K.NOT_BOUNCE, "", ()),
}  # fmt: skip


def test_every_sample_is_in_the_table() -> None:
    assert sorted(p.name for p in BOUNCES.glob("*.eml")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_given_sample_when_parsed_then_kind_dialect_recipients_and_reasons_match(name: str) -> None:
    # Given a sample bounce (or non-bounce) and what it must say
    expected = CASES[name]
    # When it is parsed
    report = parse_bounce((BOUNCES / name).read_bytes())
    # Then the kind, dialect, recipients (address, action, status, reason, hard) and original id match
    assert (report.kind, report.dialect) == (expected.kind, expected.dialect)
    got = tuple(Rcpt(r.address, r.action, r.status, r.reason, r.hard) for r in report.recipients)
    assert got == expected.recipients
    if expected.original_message_id is not None:
        assert report.original_message_id == expected.original_message_id


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.kind in (K.BOUNCE, K.DELAY)))
def test_given_failure_sample_when_parsed_then_each_recipient_has_a_diagnostic(name: str) -> None:
    report = parse_bounce((BOUNCES / name).read_bytes())
    assert all(r.diagnostic_code for r in report.recipients)


def test_given_crlf_line_endings_when_parsed_then_same_result() -> None:
    # Given the genuine Postfix bounce as it travels over SMTP, with CRLF line endings
    raw = (BOUNCES / "postfix-genuine-user-unknown.eml").read_bytes()
    # When parsed with LF and with CRLF
    # Then the reports are equal
    assert parse_bounce(raw.replace(b"\n", b"\r\n")) == parse_bounce(raw)


def test_given_dsn_when_parsed_then_per_message_and_per_recipient_fields_are_read() -> None:
    report = parse_bounce((BOUNCES / "rfc3464-sendmail-message-too-large.eml").read_bytes())
    (rcpt,) = report.recipients
    assert report.reporting_mta == "mx.example.jp"
    assert rcpt.reporting_mta == "mx.example.jp"
    assert rcpt.remote_mta == "mx.example.org"
    assert rcpt.last_attempt_date is not None
    assert rcpt.last_attempt_date.isoformat() == "2012-04-29T23:45:43+09:00"
    genuine = parse_bounce((BOUNCES / "postfix-genuine-user-unknown.eml").read_bytes())
    assert genuine.recipients[0].original_recipient == "nosuchuser-8403b8607600@localhost"
