"""RFC 8601 Authentication-Results: only the configured receiving host's own fields decide."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.arrival.auth_results import parse_authentication_results, receiver_verdicts
from mailcanary.arrival.model import AuthVerdict

HOST = "mx.inbound.example"
PASS, FAIL = AuthVerdict.PASS, AuthVerdict.FAIL
BODY = b"\r\nhello\r\n"


def _message(*fields: str) -> bytes:
    return "\r\n".join(fields).encode() + b"\r\n" + BODY


GMAIL_LIKE = _message(
    "Delivered-To: alice@inbound.example",
    "Received: by 2002:a05:7000:1234 with SMTP id x; Fri, 4 Dec 2026 12:00:01 +0000",
    "ARC-Authentication-Results: i=1; mx.inbound.example; dkim=pass header.i=@canary.example",
    "Return-Path: <canary@canary.example>",
    "Received: from relay.canary.example (relay.canary.example. [192.0.2.1])\r\n"
    "        by mx.inbound.example with ESMTPS id abc; Fri, 4 Dec 2026 12:00:00 +0000",
    "Received-SPF: pass (inbound.example: domain of canary@canary.example designates 192.0.2.1)",
    "Authentication-Results: mx.inbound.example;\r\n"
    "       dkim=pass header.i=@canary.example header.s=mc1 header.b=abc;\r\n"
    "       spf=pass (inbound.example: domain of canary@canary.example) smtp.mailfrom=canary@canary.example;\r\n"
    "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=canary.example",
    "Received: from client (client [198.51.100.7]) by relay.canary.example with ESMTPSA; Fri, 4 Dec 2026",
    "Authentication-Results: mx.inbound.example; spf=pass; dkim=pass; dmarc=pass",  # forged upstream
    "From: canary@canary.example",
    "Subject: mailcanary c1",
)


def test_given_the_hosts_own_field_under_its_received_when_read_then_spf_dkim_dmarc_are_its_verdicts() -> None:
    assert receiver_verdicts(GMAIL_LIKE, HOST) == {"spf": PASS, "dkim": PASS, "dmarc": PASS}


def test_given_a_failing_own_field_and_a_forged_passing_one_upstream_when_read_then_the_forgery_is_ignored() -> None:
    # Given the host found DMARC failing and reported no SPF, while an upstream field claims everything passed
    raw = GMAIL_LIKE.replace(b"dmarc=pass (p=REJECT", b"dmarc=fail (p=REJECT").replace(
        b"       spf=pass (in", b"       x-spf=pass (in"
    )
    # When read; Then only the host's own verdicts count: DMARC fails and SPF is unreported, not the forged pass
    assert receiver_verdicts(raw, HOST) == {"dkim": PASS, "dmarc": FAIL}


def test_given_only_fields_of_other_hosts_when_read_then_no_verdict() -> None:
    raw = _message("Authentication-Results: mx.elsewhere.example; spf=pass; dkim=pass; dmarc=pass", "Subject: x")
    assert receiver_verdicts(raw, HOST) == {}


def test_given_several_own_fields_without_received_when_read_then_the_topmost_reporting_each_method_decides() -> None:
    # Given a host whose filters each add a field (DKIM, then DMARC on top), and a forged field lower down
    raw = _message(
        "Authentication-Results: mx.inbound.example; dmarc=fail header.from=canary.example",
        "Authentication-Results: MX.INBOUND.EXAMPLE 1; dkim=fail (bad sig); dkim=pass header.d=canary.example",
        "Authentication-Results: mx.inbound.example; dmarc=pass; spf=softfail",
        "Subject: x",
    )
    # Then DMARC is the topmost field's fail, DKIM passes (one signature passed), SPF softfail counts as fail
    assert receiver_verdicts(raw, HOST) == {"dmarc": FAIL, "dkim": PASS, "spf": FAIL}


@pytest.mark.parametrize(
    ("value", "authserv_id", "results"),
    [
        ("example.org; none", "example.org", ()),
        ('"example.org" 1; spf=pass smtp.mailfrom="a;b@x"', "example.org", (("spf", "pass"),)),
        ("example.org (a; comment (nested; too)); dkim/1 = pass (fine; really)", "example.org", (("dkim", "pass"),)),
        (
            'example.com; spf=pass reason="ok; fine"; dmarc=temperror',
            "example.com",
            (("spf", "pass"), ("dmarc", "temperror")),
        ),
    ],
)
def test_given_rfc_8601_values_when_parsed_then_comments_quotes_and_versions_are_honoured(
    value: str, authserv_id: str, results: tuple[tuple[str, str], ...]
) -> None:
    parsed = parse_authentication_results(value)
    assert parsed is not None
    assert (parsed.authserv_id, parsed.results) == (authserv_id, results)


def test_given_an_empty_value_when_parsed_then_none() -> None:
    assert parse_authentication_results("  (only a comment)  ") is None


@given(st.text(max_size=3000))
def test_given_any_text_when_parsed_then_it_never_raises(value: str) -> None:
    parse_authentication_results(value)


@given(st.binary(max_size=3000))
def test_given_any_bytes_when_read_as_a_message_then_it_never_raises(raw: bytes) -> None:
    assert set(receiver_verdicts(raw, HOST)) <= {"spf", "dkim", "dmarc"}


def test_given_a_hostile_flood_of_fields_when_read_then_it_is_bounded_and_only_the_first_fields_count() -> None:
    # Given 5000 forged fields (with an unbalanced comment) ahead of a real one
    flood = "\r\n".join(["Authentication-Results: mx.inbound.example; spf=fail (" + "x" * 50] * 5000)
    raw = flood.encode() + b"\r\nAuthentication-Results: mx.inbound.example; spf=pass\r\n" + BODY
    # Then the forged ones (topmost) decide SPF and nothing raises
    assert receiver_verdicts(raw, HOST) == {"spf": FAIL}
