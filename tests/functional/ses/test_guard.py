"""The preflight guard installed on boto3 SES clients backed by moto: warn, enforce, injection."""

from __future__ import annotations

import logging
from typing import Any

import boto3
import pytest
from sesmoto import REGION, SENDER, MotoSes

from mailcanary import guard
from mailcanary.core.errors import UsageError
from mailcanary.recipients import FindingKind, GuardRejectedError, GuardTooLargeError

BODY_MARKER = "confidential-body-text"
RAW = (
    "From: canary@example.com\r\nTo: a@example.com, b@example.com\r\nSubject: t\r\n\r\n" + BODY_MARKER + "\r\n"
).encode()
RAW_WITH_BCC = b"From: canary@example.com\r\nTo: a@example.com\r\nBcc: hidden@example.com\r\n\r\nx\r\n"


def send(ses: MotoSes, api: str, raw: bytes, destinations: list[str]) -> Any:
    if api == "v1":
        return ses.v1.send_raw_email(Source=SENDER, Destinations=destinations, RawMessage={"Data": raw})
    return ses.v2.send_email(
        FromEmailAddress=SENDER, Destination={"ToAddresses": destinations}, Content={"Raw": {"Data": raw}}
    )


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_given_warn_mode_when_header_recipient_missing_from_destinations_then_logged_counted_and_sent(
    moto_ses: MotoSes, api: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a guard in warn mode on the user's client (and a recognisable secret key in the environment)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "S3CR3T-never-logged")
    installed = guard.install(moto_ses.v1 if api == "v1" else moto_ses.v2, mode="warn")
    # When a raw message naming a@ and b@ is sent to a@ only
    with caplog.at_level(logging.WARNING, logger="mailcanary.guard"):
        send(moto_ses, api, RAW, ["a@example.com"])
    # Then the send went ahead, the header-only recipient was logged and counted
    assert len(moto_ses.sent()) == 1
    assert installed.checked == 1
    assert installed.refused == 0
    assert installed.findings == {"header_only": 1}
    assert "header_only b@example.com" in caplog.text
    # And neither the message body nor credentials reached the log
    assert BODY_MARKER not in caplog.text
    assert "S3CR3T" not in caplog.text


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_given_enforce_mode_when_mismatch_then_refused_and_moto_receives_nothing(moto_ses: MotoSes, api: str) -> None:
    installed = guard.install(moto_ses.v1 if api == "v1" else moto_ses.v2, mode="enforce")
    with pytest.raises(GuardRejectedError) as caught:
        send(moto_ses, api, RAW, ["a@example.com"])
    assert [(f.kind, f.address) for f in caught.value.findings] == [(FindingKind.HEADER_ONLY, "b@example.com")]
    assert moto_ses.sent() == []
    assert installed.refused == 1


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_given_enforce_mode_when_consistent_then_sent(moto_ses: MotoSes, api: str) -> None:
    installed = guard.install(moto_ses.v1 if api == "v1" else moto_ses.v2, mode="enforce")
    send(moto_ses, api, RAW, ["a@example.com", "b@EXAMPLE.COM"])
    assert len(moto_ses.sent()) == 1
    assert installed.checked == 1
    assert installed.findings == {}


def test_given_enforce_mode_when_bcc_header_left_in_mime_then_refused(moto_ses: MotoSes) -> None:
    guard.install(moto_ses.v1, mode="enforce")
    with pytest.raises(GuardRejectedError, match="bcc_header_leaked"):
        send(moto_ses, "v1", RAW_WITH_BCC, ["a@example.com", "hidden@example.com"])
    assert moto_ses.sent() == []


def test_given_warn_mode_when_injected_destination_then_refused_anyway(moto_ses: MotoSes) -> None:
    installed = guard.install(moto_ses.v1, mode="warn")
    with pytest.raises(GuardRejectedError, match="injection_attempt"):
        send(moto_ses, "v1", RAW, ["a@example.com", "b@example.com\r\nBcc: x@evil.test"])
    assert moto_ses.sent() == []
    assert installed.findings["injection_attempt"] == 1


def test_given_allowed_blind_copy_when_sent_then_not_a_finding(moto_ses: MotoSes) -> None:
    installed = guard.install(moto_ses.v1, mode="enforce", blind_copies=["Audit@example.com"])
    send(moto_ses, "v1", RAW, ["a@example.com", "b@example.com", "Audit@example.com"])
    with pytest.raises(GuardRejectedError, match="envelope_only"):
        send(moto_ses, "v1", RAW, ["a@example.com", "b@example.com", "other@example.com"])
    assert installed.checked == 2
    assert len(moto_ses.sent()) == 1


def test_given_envelope_only_allowed_when_blind_copies_then_sent(moto_ses: MotoSes) -> None:
    guard.install(moto_ses.v2, mode="enforce", allow=["envelope_only"])
    send(moto_ses, "v2", RAW, ["a@example.com", "b@example.com", "anyone@example.com"])
    assert len(moto_ses.sent()) == 1


def test_given_uninstalled_guard_when_mismatch_then_sent_unchecked(moto_ses: MotoSes) -> None:
    installed = guard.install(moto_ses.v1, mode="enforce")
    installed.uninstall()
    send(moto_ses, "v1", RAW, ["a@example.com"])
    assert installed.checked == 0
    assert len(moto_ses.sent()) == 1


def test_given_v2_simple_content_when_sent_then_not_checked(moto_ses: MotoSes) -> None:
    installed = guard.install(moto_ses.v2, mode="enforce")
    moto_ses.v2.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": ["a@example.com"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
    )
    assert installed.checked == 1
    assert installed.findings == {}


def test_given_non_ses_client_or_bad_mode_when_installed_then_usage_error(moto_ses: MotoSes) -> None:
    with pytest.raises(UsageError, match="not an SES client"):
        guard.install(boto3.client("sns", region_name=REGION))
    with pytest.raises(UsageError, match="guard"):
        guard.install(moto_ses.v1, mode="block")
    with pytest.raises(UsageError, match="guard"):
        guard.install(moto_ses.v1, allow=["no_such_kind"])


def test_check_send_raw_email_reads_both_parameter_shapes() -> None:
    v1 = {"Source": SENDER, "Destinations": ["a@example.com"], "RawMessage": {"Data": RAW}}
    v2 = {"Destination": {"CcAddresses": ["a@example.com"]}, "Content": {"Raw": {"Data": RAW.decode()}}}
    expected = [(FindingKind.HEADER_ONLY, "b@example.com")]
    assert [(f.kind, f.address) for f in guard.check_send_raw_email(v1)] == expected
    assert [(f.kind, f.address) for f in guard.check_send_raw_email(v2)] == expected
    assert guard.check_send_raw_email({"RawMessage": {"Data": 42}}) == ()
    assert guard.check_send_raw_email({"RawMessage": {"Data": RAW}, "Destinations": "a@example.com"}) == ()


# 300 KB of folded padding: a header block over MAX_HEADER_BLOCK_BYTES that moto still parses cheaply.
RAW_HUGE_HEADERS = (
    b"From: canary@example.com\r\nTo: a@example.com\r\nX-Padding: "
    + b"\r\n ".join(b"x" * 76 for _ in range(4000))
    + b"\r\nSubject: t\r\n\r\nbody\r\n"
)


def test_given_warn_mode_when_headers_too_large_to_check_then_logged_and_left_to_ses(
    moto_ses: MotoSes, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a guard in warn mode
    installed = guard.install(moto_ses.v1, mode="warn")
    # When a message whose header block is over the parsing limit is sent
    with caplog.at_level(logging.WARNING, logger="mailcanary.guard"):
        send(moto_ses, "v1", RAW_HUGE_HEADERS, ["a@example.com"])
    # Then it was not parsed but logged as too large, and SES was left to decide (the send went ahead)
    assert installed.findings == {"too_large": 1}
    assert installed.refused == 0
    assert "too_large" in caplog.text
    assert len(moto_ses.sent()) == 1


def test_given_enforce_mode_when_headers_too_large_to_check_then_refused_with_a_typed_error(moto_ses: MotoSes) -> None:
    # Given a guard in enforce mode
    installed = guard.install(moto_ses.v2, mode="enforce")
    # When a message whose header block is over the parsing limit is sent
    with pytest.raises(GuardTooLargeError) as caught:
        send(moto_ses, "v2", RAW_HUGE_HEADERS, ["a@example.com"])
    # Then nothing was sent, and the refusal says which limit
    assert [f.kind for f in caught.value.findings] == [FindingKind.TOO_LARGE]
    assert "MAX_HEADER_BLOCK_BYTES" in caught.value.findings[0].detail
    assert moto_ses.sent() == []
    assert installed.refused == 1
