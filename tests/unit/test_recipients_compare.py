"""Comparison of intended, header, envelope and delivered recipient sets: one finding kind per scenario."""

from __future__ import annotations

import pytest

from mailcanary.core.checks import Check
from mailcanary.recipients import (
    Finding,
    FindingKind,
    RecipientAddressError,
    RecipientInjectionError,
    RecipientPlan,
    compare,
    normalise,
    parse_header_recipients,
)


def headers(to: str = "", cc: str = "", bcc: str = "") -> bytes:
    lines = [f"{name}: {value}\r\n" for name, value in (("To", to), ("Cc", cc), ("Bcc", bcc)) if value]
    return ("From: s@example.com\r\n" + "".join(lines) + "\r\nbody\r\n").encode()


def kinds(findings: tuple[Finding, ...]) -> list[tuple[str, str]]:
    return [(f.kind.value, f.address) for f in findings]


def test_given_consistent_sets_when_compared_then_no_findings() -> None:
    # Given header To/Cc and Destinations naming the same people (case and display names differ)
    header = parse_header_recipients(headers(to="A <a@Example.com>", cc="b@example.com"))
    plan = RecipientPlan.of(to=["a@example.com"], cc=["b@EXAMPLE.com"], bcc=["c@example.com"])
    # When compared, with the intended Bcc only on the envelope
    findings = compare(intended=plan, header=header, envelope=["a@example.com", "b@example.com", "c@example.com"])
    # Then everything agrees
    assert findings == ()


def test_given_header_recipient_missing_from_destinations_when_compared_then_header_only() -> None:
    header = parse_header_recipients(headers(to="a@example.com, b@example.com"))
    findings = compare(intended=None, header=header, envelope=["a@example.com"])
    assert kinds(findings) == [("header_only", "b@example.com")]
    assert findings[0].check is Check.RECIPIENTS_HEADER_VS_ENVELOPE


def test_given_unintended_destination_when_compared_then_envelope_only_and_unintended() -> None:
    header = parse_header_recipients(headers(to="a@example.com"))
    plan = RecipientPlan.of(to=["a@example.com"])
    findings = compare(intended=plan, header=header, envelope=["a@example.com", "x@example.com"])
    assert kinds(findings) == [("envelope_only", "x@example.com"), ("unintended_recipient", "x@example.com")]


def test_given_no_intent_when_blind_copy_then_envelope_only_is_reported() -> None:
    header = parse_header_recipients(headers(to="a@example.com"))
    findings = compare(intended=None, header=header, envelope=["a@example.com", "hidden@example.com"])
    assert kinds(findings) == [("envelope_only", "hidden@example.com")]


def test_given_bcc_header_in_mime_when_compared_then_leak_reported() -> None:
    header = parse_header_recipients(headers(to="a@example.com", bcc="hidden@example.com"))
    findings = compare(intended=None, header=header, envelope=["a@example.com", "hidden@example.com"])
    assert kinds(findings) == [("bcc_header_leaked", "hidden@example.com")]


def test_given_intended_bcc_written_into_to_when_compared_then_leak_reported() -> None:
    header = parse_header_recipients(headers(to="a@example.com, hidden@example.com"))
    plan = RecipientPlan.of(to=["a@example.com"], bcc=["hidden@example.com"])
    findings = compare(intended=plan, header=header, envelope=["a@example.com", "hidden@example.com"])
    assert ("bcc_header_leaked", "hidden@example.com") in kinds(findings)


def test_given_duplicates_when_compared_then_each_set_reports_them() -> None:
    header = parse_header_recipients(headers(to="a@example.com", cc="A <a@EXAMPLE.com>"))
    findings = compare(intended=None, header=header, envelope=["a@example.com", "a@example.com"])
    assert [(f.kind.value, f.where) for f in findings] == [("duplicate", "envelope"), ("duplicate", "header")]


def test_given_51_destinations_when_compared_then_over_ses_limit() -> None:
    addresses = [f"r{i}@example.com" for i in range(51)]
    header = parse_header_recipients(headers(to=", ".join(addresses)))
    findings = compare(intended=None, header=header, envelope=addresses)
    assert kinds(findings) == [("too_many_recipients", "51")]


def test_given_50_destinations_when_compared_then_within_ses_limit() -> None:
    addresses = [f"r{i}@example.com" for i in range(50)]
    header = parse_header_recipients(headers(to=", ".join(addresses)))
    assert compare(intended=None, header=header, envelope=addresses) == ()


def test_given_injected_destination_when_compared_then_injection_attempt() -> None:
    header = parse_header_recipients(headers(to="a@example.com"))
    findings = compare(intended=None, header=header, envelope=["a@example.com", "b@example.com\r\nBcc: x@evil.test"])
    assert [f.kind for f in findings] == [FindingKind.INJECTION_ATTEMPT]


def test_given_defective_destination_when_compared_then_defective_address() -> None:
    header = parse_header_recipients(headers(to="a@example.com"))
    findings = compare(intended=None, header=header, envelope=["a@example.com", "not-an-address"])
    assert [f.kind for f in findings] == [FindingKind.DEFECTIVE_ADDRESS]


def test_given_intended_recipient_dropped_everywhere_when_compared_then_intended_missing() -> None:
    header = parse_header_recipients(headers(to="a@example.com"))
    plan = RecipientPlan.of(to=["a@example.com", "b@example.com"])
    findings = compare(intended=plan, header=header, envelope=["a@example.com"])
    assert kinds(findings) == [("intended_missing", "b@example.com")]


def test_given_delivered_set_when_compared_then_missing_and_unexpected() -> None:
    header = parse_header_recipients(headers(to="a@example.com, b@example.com"))
    findings = compare(
        intended=None,
        header=header,
        envelope=["a@example.com", "b@example.com"],
        delivered=["a@example.com", "c@example.com"],
    )
    assert kinds(findings) == [("delivered_missing", "b@example.com"), ("delivered_unexpected", "c@example.com")]
    assert {f.check for f in findings} == {Check.RECIPIENTS_DELIVERED}


def test_given_no_destinations_when_compared_then_header_is_the_envelope() -> None:
    # Given SendRawEmail without Destinations: SES takes the recipients from the headers
    header = parse_header_recipients(headers(to="a@example.com"))
    # Then header-vs-envelope findings do not apply, but delivered is compared with the header set
    assert compare(intended=None, header=header, envelope=None) == ()
    findings = compare(intended=None, header=header, envelope=None, delivered=[])
    assert kinds(findings) == [("delivered_missing", "a@example.com")]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("A+label@Example.COM", "A+label@example.com"),
        ("Name <x@B\u00dcCHER.example>", "x@xn--bcher-kva.example"),
        ('"john doe"@EXAMPLE.com', '"john doe"@example.com'),
        ("a@[192.0.2.1]", "a@[192.0.2.1]"),
    ],
)
def test_given_address_when_normalised_then_domain_folded_local_part_kept(given: str, expected: str) -> None:
    assert normalise(given) == expected


@pytest.mark.parametrize(
    "bad", ["", "nobody", "a@b@c", "a@", "@b.example", "a, b@example.com", "a@.example", "a@ex..ample"]
)
def test_given_malformed_address_when_normalised_then_typed_error(bad: str) -> None:
    with pytest.raises(RecipientAddressError):
        normalise(bad)


@pytest.mark.parametrize("bad", ["a@example.com\r\nBcc: x@y", "a\n@example.com", "a@example.com\x00", "\r"])
def test_given_injection_when_normalised_then_refused_with_typed_error(bad: str) -> None:
    with pytest.raises(RecipientInjectionError, match="header injection"):
        normalise(bad)
