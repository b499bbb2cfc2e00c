"""Bounces returned to a canary's return path: VERP addresses, and matching a DSN to its canary and path."""

from __future__ import annotations

from pathlib import Path

import pytest
from arrival_samples import canary, expectation
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.arrival.bounces import bounce_verdicts, match_bounce
from mailcanary.arrival.errors import VerpError
from mailcanary.arrival.verp import MAX_LOCAL_PART, decode_verp, encode_verp
from mailcanary.bounce import BounceParseError
from mailcanary.core.checks import Check

BOUNCES = Path(__file__).resolve().parents[1] / "data" / "bounces"
API = canary("c1")
SMTP = canary("c1")  # same canary, own Message-ID per path (as the round sends it)
PATHS = [expectation(API, "api"), expectation(SMTP, "smtp:relay.example")]


def _dsn(original: bytes | None, *, recipient: str = "carol@inbound.example", action: str = "failed") -> bytes:
    """An RFC 3464 report about `recipient`, returning the original's headers (or nothing)."""
    status = (
        "Reporting-MTA: dns; mx.inbound.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
    )
    headers = original.split(b"\r\n\r\n", 1)[0] if original else b"Subject: something else"
    return (
        b"From: MAILER-DAEMON@mx.inbound.example\r\nTo: canary@canary.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="rb"\r\n\r\n'
        b"--rb\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be"
        b" delivered.\r\n--rb\r\nContent-Type: message/delivery-status\r\n\r\n" + status.encode() + b"\r\n"
        b"--rb\r\nContent-Type: text/rfc822-headers\r\n\r\n" + headers + b"\r\n--rb--\r\n"
    )


@given(
    canary_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}", fullmatch=True),
    path=st.from_regex(r"[A-Za-z0-9._:-]{1,30}", fullmatch=True),
)
def test_given_any_canary_and_path_when_verp_encoded_then_it_decodes_to_them(canary_id: str, path: str) -> None:
    address = encode_verp("canary", "bounces.example", canary_id, path)
    local = address.split("@")[0]
    assert ":" not in local
    assert ".." not in local
    assert not local.endswith(".")
    assert len(local) <= MAX_LOCAL_PART
    decoded = decode_verp(address, "canary")
    assert (decoded.canary_id, decoded.path_name) == (canary_id, path)


def test_given_a_path_name_when_verp_encoded_then_it_reads_plainly() -> None:
    assert encode_verp("canary", "b.example", "c1", "smtp:mx.example") == "canary+c1=smtp_cmx_dexample@b.example"


@pytest.mark.parametrize(
    "address",
    ["canary@b.example", "other+c1=api@b.example", "canary+c1=smtp_z@b.example", "canary+c1=@b.example", "junk"],
)
def test_given_an_address_that_is_not_our_verp_when_decoded_then_a_typed_error(address: str) -> None:
    with pytest.raises(VerpError):
        decode_verp(address, "canary")


def test_given_a_path_too_long_for_a_local_part_when_encoded_then_a_typed_error() -> None:
    with pytest.raises(VerpError, match="over 64"):
        encode_verp("canary", "b.example", "0123456789abcdef", "smtp:" + "x" * 50)


def test_given_a_dsn_to_a_verp_address_when_matched_then_it_names_that_path_even_without_the_original() -> None:
    returned_to = [encode_verp("canary", "bounces.example", "c1", "smtp:relay.example")]
    verdicts = bounce_verdicts(_dsn(None), PATHS, returned_to=returned_to)
    assert [(v.check, v.passed, v.path) for v in verdicts] == [
        (Check.OUTCOME_UNEXPECTED_BOUNCE, False, "smtp:relay.example")
    ]
    assert "carol@inbound.example: 5.1.1" in verdicts[0].detail
    assert "(verp)" in verdicts[0].detail


def test_given_a_dsn_returning_the_original_headers_when_matched_then_the_message_id_names_the_path() -> None:
    match = match_bounce(_dsn(API.raw), PATHS)
    assert match is not None
    assert (match.matched_by, [p.path_name for p in match.paths]) == ("message-id", ["api"])


def test_given_returned_headers_without_a_known_message_id_when_matched_then_the_canary_header_and_recipient_do() -> (
    None
):
    # Given the returned headers carry the canary header but a Message-ID rewritten on the way
    original = SMTP.raw.replace(b"Message-ID: <", b"Message-ID: <rewritten.")
    only_smtp = [PATHS[1]]
    match = match_bounce(_dsn(original), only_smtp)
    assert match is not None
    assert (match.matched_by, [p.path_name for p in match.paths]) == ("canary-header", ["smtp:relay.example"])


def test_given_a_delay_warning_or_someone_elses_bounce_when_matched_then_no_verdict() -> None:
    assert bounce_verdicts(_dsn(API.raw, action="delayed"), PATHS) == ()
    assert bounce_verdicts(_dsn(None), PATHS) == ()
    assert bounce_verdicts((BOUNCES / "postfix-genuine-user-unknown.eml").read_bytes(), PATHS) == ()
    assert bounce_verdicts((BOUNCES / "autoreply-vacation.eml").read_bytes(), PATHS) == ()


def test_given_input_that_is_no_message_when_matched_then_the_bounce_parsers_typed_error() -> None:
    with pytest.raises(BounceParseError):
        match_bounce(b"", PATHS)
