"""The arrival checks: one fault, one failing check, from what a path sent and the copies that arrived."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
from arrival_samples import CC, SENT_AT, canary, copy, expectation, key_dns, sign, with_verdicts

from mailcanary.arrival.checks import arrival_complete, arrival_latencies, judge_arrival
from mailcanary.arrival.dkim import with_own_dkim
from mailcanary.arrival.errors import ArrivalParseError
from mailcanary.arrival.expected import expected_arrival
from mailcanary.arrival.model import MAX_ARRIVED_BYTES, ArrivedMessage, AuthVerdict, Placement, ReceiverKind
from mailcanary.core.checks import Check, Verdict

LATER = SENT_AT + timedelta(hours=1)  # past every deadline
SENT = canary()
EXPECTED = expectation(SENT)
ALL = EXPECTED.envelope  # to, cc and the blind copy


def _signed_copy(raw: bytes | None = None, recipients: tuple[str, ...] = ALL, **kwargs: Any) -> ArrivedMessage:
    """A copy of the sent canary (or of `raw`), DKIM-signed on the way, with our verification of it."""
    return with_own_dkim(copy(sign(raw if raw is not None else SENT.raw), recipients, **kwargs), key_dns)


def _by_check(verdicts: tuple[Verdict, ...]) -> dict[Check, Verdict]:
    checks = [verdict.check for verdict in verdicts]
    assert len(checks) == len(set(checks)), "one verdict per check"
    return {verdict.check: verdict for verdict in verdicts}


def _failing(verdicts: tuple[Verdict, ...]) -> set[Check]:
    return {verdict.check for verdict in verdicts if not verdict.passed}


def test_given_an_intact_signed_copy_for_every_recipient_when_judged_then_every_check_passes() -> None:
    # Given one SES inbound copy for the whole envelope, signed and unchanged
    verdicts = judge_arrival(EXPECTED, [_signed_copy()], now=LATER)
    # Then arrived, envelope, headers and authentication pass, and placement does not apply (no folders)
    by_check = _by_check(verdicts)
    assert set(by_check) == {
        Check.DELIVERY_ARRIVED,
        Check.DELIVERY_ENVELOPE,
        Check.DELIVERY_HEADERS,
        Check.DELIVERY_AUTHENTICATION,
    }
    assert _failing(verdicts) == set()
    assert "our DKIM check not run" not in by_check[Check.DELIVERY_AUTHENTICATION].detail


def test_given_the_sent_bytes_when_expected_then_headers_are_normalised_and_the_blind_copy_only_on_the_envelope() -> (
    None
):
    # Then To/Cc are the normaliser's forms, the Bcc recipient is on the envelope only, the ids are as built
    assert EXPECTED.to == ("alice+c1@inbound.example", "bob@inbound.example")
    assert EXPECTED.cc == CC
    assert "dave@inbound.example" in EXPECTED.envelope
    assert "dave@inbound.example" not in EXPECTED.to + EXPECTED.cc
    assert (EXPECTED.canary_id, EXPECTED.message_id, EXPECTED.subject) == ("c1", SENT.message_id, "mailcanary c1")
    assert len(EXPECTED.body_sha256) == 64


def test_given_bytes_that_are_no_canary_when_expected_then_a_typed_error() -> None:
    with pytest.raises(ArrivalParseError):
        expected_arrival(b"Subject: x\r\n\r\nhi\r\n", path_name="api", target="ses", sent_at=SENT_AT, envelope=())
    with pytest.raises(ArrivalParseError):
        expected_arrival(b"", path_name="api", target="ses", sent_at=SENT_AT, envelope=())


def test_given_a_relay_that_re_encodes_the_body_when_judged_then_the_body_digest_still_matches() -> None:
    # Given the copy's text body re-encoded as base64 with bare LF line ends (a legitimate transfer change)
    message = message_from_bytes(SENT.raw, policy=policy.SMTP)
    text = message.get_content()
    del message["Content-Transfer-Encoding"]
    message["Content-Transfer-Encoding"] = "base64"
    message.set_payload(base64.encodebytes(text.replace("\r\n", "\n").encode()).decode())
    verdicts = judge_arrival(EXPECTED, [copy(message.as_bytes(), ALL)], now=LATER)
    # Then the headers check still passes (the digest is over the decoded text)
    assert _by_check(verdicts)[Check.DELIVERY_HEADERS].passed


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ((b"Subject: mailcanary c1", b"Subject: [EXTERNAL] mailcanary c1"), "Subject"),
        ((b"This message tests", b"This message pests"), "body"),
        ((b"Cc: carol@inbound.example", b"Cc: mallory@inbound.example"), "Cc"),
        ((b"X-Mailcanary-Id: c1", b"Bcc: dave@inbound.example\r\nX-Mailcanary-Id: c1"), "Bcc"),
        ((b"Message-ID: <", b"Message-ID: <x"), "Message-ID"),
    ],
)
def test_given_a_copy_changed_in_transit_after_signing_when_judged_then_headers_name_the_change(
    change: tuple[bytes, bytes], named: str
) -> None:
    # Given a copy altered by a relay before the receiver signed nothing (the copy carries no own DKIM result)
    raw = SENT.raw.replace(*change)
    assert raw != SENT.raw
    verdicts = judge_arrival(EXPECTED, [copy(raw, ALL)], now=LATER)
    # Then delivery.headers alone fails, naming what changed
    assert _failing(verdicts) == {Check.DELIVERY_HEADERS}
    assert named in _by_check(verdicts)[Check.DELIVERY_HEADERS].detail


def test_given_a_signed_header_changed_that_the_checks_do_not_compare_when_judged_then_only_authentication_fails() -> (
    None
):
    # Given the Date header rewritten after signing (the signature breaks; what we compare is intact)
    signed = sign(SENT.raw)
    broken = signed.replace(b"Date: Fri, 04 Dec 2026", b"Date: Sat, 05 Dec 2026")
    assert broken != signed
    arrived = with_own_dkim(copy(broken, ALL), key_dns)
    verdicts = judge_arrival(EXPECTED, [arrived], now=LATER)
    # Then delivery.authentication fails on our own DKIM verification, with the reason
    assert _failing(verdicts) == {Check.DELIVERY_AUTHENTICATION}
    assert "our DKIM check: fail" in _by_check(verdicts)[Check.DELIVERY_AUTHENTICATION].detail


@pytest.mark.parametrize("method", ["spf", "dkim", "dmarc"])
def test_given_a_receiver_verdict_that_is_not_pass_when_judged_then_authentication_fails(method: str) -> None:
    arrived = with_verdicts(_signed_copy(), **{method: AuthVerdict.FAIL})
    verdicts = judge_arrival(EXPECTED, [arrived], now=LATER)
    assert _failing(verdicts) == {Check.DELIVERY_AUTHENTICATION}
    assert f"{method}=fail" in _by_check(verdicts)[Check.DELIVERY_AUTHENTICATION].detail


def test_given_a_receiver_that_reported_no_verdicts_when_judged_then_authentication_fails_as_not_reported() -> None:
    arrived = replace(_signed_copy(), receiver_verdicts={})
    verdict = _by_check(judge_arrival(EXPECTED, [arrived], now=LATER))[Check.DELIVERY_AUTHENTICATION]
    assert not verdict.passed
    assert "spf=not reported" in verdict.detail


def test_given_no_own_dkim_result_when_judged_then_the_receiver_verdicts_decide_and_the_detail_says_so() -> None:
    verdict = _by_check(judge_arrival(EXPECTED, [copy(SENT.raw, ALL)], now=LATER))[Check.DELIVERY_AUTHENTICATION]
    assert verdict.passed
    assert "our DKIM check not run on 1 copies" in verdict.detail


def test_given_a_late_copy_when_judged_then_arrived_fails_with_its_latency_and_nothing_else_does() -> None:
    verdicts = judge_arrival(EXPECTED, [_signed_copy(after=timedelta(minutes=25))], now=LATER)
    assert _failing(verdicts) == {Check.DELIVERY_ARRIVED}
    verdict = _by_check(verdicts)[Check.DELIVERY_ARRIVED]
    assert "1500.0 s" in verdict.detail
    assert verdict.observed == [{"recipients": list(ALL), "latency_ms": 1_500_000}]


def test_given_nothing_arrived_when_judged_before_and_after_the_deadline_then_pending_then_never_arrived() -> None:
    assert judge_arrival(EXPECTED, [], now=SENT_AT + timedelta(minutes=5)) == ()
    (verdict,) = judge_arrival(EXPECTED, [], now=LATER)
    assert (verdict.check, verdict.passed) == (Check.DELIVERY_ARRIVED, False)
    assert "no copy arrived" in verdict.detail


def test_given_a_relay_that_dropped_the_cc_when_judged_then_envelope_fails_once_the_deadline_passed() -> None:
    # Given copies for every recipient but the Cc one
    without_cc = tuple(address for address in ALL if address not in CC)
    copies = [_signed_copy(recipients=without_cc)]
    # When judged before the deadline: the Cc copy may still come, so the envelope is not judged yet
    early = SENT_AT + timedelta(minutes=2)
    assert not arrival_complete(EXPECTED, copies, now=early)
    assert Check.DELIVERY_ENVELOPE not in _by_check(judge_arrival(EXPECTED, copies, now=early))
    # Then after it, delivery.envelope alone fails, naming the dropped recipient
    verdicts = judge_arrival(EXPECTED, copies, now=LATER)
    assert _failing(verdicts) == {Check.DELIVERY_ENVELOPE}
    assert "never delivered to carol@inbound.example" in _by_check(verdicts)[Check.DELIVERY_ENVELOPE].detail


def test_given_a_copy_delivered_to_someone_off_the_envelope_when_judged_then_envelope_names_them() -> None:
    verdicts = judge_arrival(EXPECTED, [_signed_copy(recipients=(*ALL, "eve@inbound.example"))], now=LATER)
    assert _failing(verdicts) == {Check.DELIVERY_ENVELOPE}
    assert "eve@inbound.example, not on the envelope" in _by_check(verdicts)[Check.DELIVERY_ENVELOPE].detail


def test_given_imap_copies_one_in_spam_when_judged_then_placement_alone_fails() -> None:
    copies = [
        _signed_copy(
            recipients=(address,),
            receiver=ReceiverKind.IMAP,
            placement=Placement.SPAM if address in CC else Placement.INBOX,
            location=f"imaps://mail/{index}",
        )
        for index, address in enumerate(ALL)
    ]
    verdicts = judge_arrival(EXPECTED, copies, now=LATER)
    assert _failing(verdicts) == {Check.DELIVERY_PLACEMENT}
    assert _by_check(verdicts)[Check.DELIVERY_PLACEMENT].detail == "1 of 4 copies filed as spam"


def test_given_copies_when_latencies_are_asked_then_one_per_copy_in_milliseconds() -> None:
    copies = [copy(SENT.raw, ALL[:1], after=timedelta(seconds=2)), copy(SENT.raw, ALL[1:], after=timedelta(hours=1))]
    latencies = arrival_latencies(EXPECTED, copies)
    assert [(each.milliseconds, each.late) for each in latencies] == [(2000.0, False), (3_600_000.0, True)]
    assert latencies[0].recipients == ALL[:1]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"X" * (MAX_ARRIVED_BYTES + 1), "exceeds"),
        (b"\r\n\r\n", "empty"),
        (b"\x00\xff\xfe garbage without any header\r\n" * 50, "Message-ID"),
        (b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" * 3, "Message-ID"),
    ],
    ids=["oversized", "empty", "binary-garbage", "broken-multipart"],
)
def test_given_hostile_arrived_bytes_when_judged_then_headers_fail_with_the_reason_and_nothing_raises(
    raw: bytes, reason: str
) -> None:
    verdicts = judge_arrival(EXPECTED, [with_own_dkim(copy(raw, ALL), key_dns)], now=LATER)
    by_check = _by_check(verdicts)
    assert not by_check[Check.DELIVERY_HEADERS].passed
    assert reason in by_check[Check.DELIVERY_HEADERS].detail
    assert not by_check[Check.DELIVERY_AUTHENTICATION].passed  # unsigned or unreadable: our DKIM is no pass


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"Content-Type: message/rfc822\r\n\r\n" * 5000, "unreadable: MIME parts nest deeper"),
        (
            b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(500)),
            "unreadable: 500 multipart boundaries, over 64",
        ),
    ],
    ids=["attached-messages-5000-deep", "multiparts-500-deep"],
)
def test_given_mime_nested_past_the_limits_when_judged_then_headers_fail_as_unreadable(raw: bytes, reason: str) -> None:
    # Given nesting the feed parser would follow by recursion, or in time growing with its square
    verdicts = judge_arrival(EXPECTED, [copy(b"Subject: deep\r\n" + raw, ALL)], now=LATER)
    verdict = _by_check(verdicts)[Check.DELIVERY_HEADERS]
    assert not verdict.passed
    assert reason in verdict.detail


def test_given_ses_replaced_the_message_id_when_judged_then_its_own_form_counts_as_sent_and_another_does_not() -> None:
    # Given a path through SES: SES writes <its message id@region.amazonses.com> over ours (moto does not)
    through_ses = replace(EXPECTED, ses_message_id="0100018c-abc-000000")
    ses_form = SENT.raw.replace(SENT.message_id.encode(), b"<0100018c-abc-000000@email.amazonses.com>")
    forged = SENT.raw.replace(SENT.message_id.encode(), b"<0100018c-abc-000000@notamazonses.com>")
    # Then the SES form passes the headers check, ours still does, and a look-alike domain fails
    assert _by_check(judge_arrival(through_ses, [copy(ses_form, ALL)], now=LATER))[Check.DELIVERY_HEADERS].passed
    assert _by_check(judge_arrival(through_ses, [copy(SENT.raw, ALL)], now=LATER))[Check.DELIVERY_HEADERS].passed
    assert not _by_check(judge_arrival(through_ses, [copy(forged, ALL)], now=LATER))[Check.DELIVERY_HEADERS].passed
    assert not _by_check(judge_arrival(EXPECTED, [copy(ses_form, ALL)], now=LATER))[Check.DELIVERY_HEADERS].passed
