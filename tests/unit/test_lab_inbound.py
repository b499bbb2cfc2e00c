"""The lab's arrival leg without servers: DKIM signing with a key made at start and the emulated receipt's
verdict, and what the relay hands on under each arrival fault."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailcanary.lab.inbound import LATE_BY, ArrivalFault, LabDkim, pass_on
from mailcanary.lab.smtp_endpoint import DeliveredMessage
from mailcanary.message import build_canary

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TO, CC, BCC = "to@inbound.example", "cc@inbound.example", "bcc@inbound.example"


@pytest.fixture(scope="module")
def dkim() -> LabDkim:
    return LabDkim.generate()


def _accepted() -> DeliveredMessage:
    canary = build_canary("c1", "canary@mailcanary.test", [TO], [CC], [BCC])
    return DeliveredMessage("canary@mailcanary.test", (TO, CC, BCC), canary.raw, "Q1", False, None, NOW)


def test_given_an_intact_hand_over_when_signed_then_the_emulated_receipt_passes_dkim(dkim: LabDkim) -> None:
    # Given the relay passes a message on with no fault; When SES inbound checks its signature
    passed = pass_on(_accepted(), dkim, cc=[CC], bcc=[BCC], faults=(), now=NOW)
    assert passed is not None
    # Then it is signed by the lab key, verifies, and arrives for every recipient when the relay took it
    assert passed.raw.startswith(b"DKIM-Signature:")
    assert dkim.verdict(passed.raw) == "PASS"
    assert (passed.recipients, passed.received_at) == ((TO, CC, BCC), NOW)


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        (ArrivalFault.RELAY_DROPS_CC, lambda p, d: p.recipients == (TO, BCC) and d.verdict(p.raw) == "PASS"),
        (ArrivalFault.HEADERS_REWRITTEN, lambda p, d: b"Subject: [EXTERNAL] mailcanary c1" in p.raw),
        (ArrivalFault.BCC_HEADER_LEAKED, lambda p, d: f"Bcc: {BCC}".encode() in p.raw and d.verdict(p.raw) == "PASS"),
        (ArrivalFault.DKIM_BROKEN_IN_TRANSIT, lambda p, d: d.verdict(p.raw) == "FAIL"),
        (ArrivalFault.ARRIVES_LATE, lambda p, d: p.received_at == NOW + LATE_BY),
    ],
)
def test_given_each_arrival_fault_when_passed_on_then_the_copy_shows_that_fault_only(
    dkim: LabDkim, fault: ArrivalFault, check: object
) -> None:
    # Given one arrival fault; When the relay hands the message on
    passed = pass_on(_accepted(), dkim, cc=[CC], bcc=[BCC], faults={fault}, now=NOW)
    # Then the copy shows what the fault does
    assert passed is not None
    assert check(passed, dkim)  # type: ignore[operator]


def test_given_never_arrives_when_passed_on_then_nothing_is_handed_over(dkim: LabDkim) -> None:
    assert pass_on(_accepted(), dkim, cc=[CC], bcc=[BCC], faults={ArrivalFault.NEVER_ARRIVES}, now=NOW) is None


def test_given_another_selector_when_the_key_is_looked_up_then_there_is_none(dkim: LabDkim) -> None:
    # Given the lab's DNS answer; Then only its own selector has a key
    assert dkim.dns(f"{dkim.selector}._domainkey.{dkim.domain}.").startswith(b"v=DKIM1; k=rsa; p=")
    assert dkim.dns(b"other._domainkey.example.") == b""
