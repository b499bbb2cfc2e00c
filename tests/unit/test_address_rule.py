"""One address rule for every check: the send-time `recipients.header_vs_envelope` and the later
`recipients.delivered` judge the same pair of addresses alike (IDNA 2008 / UTS 46 domains, local part kept)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mailcanary.core.checks import Check
from mailcanary.decide.evaluate import evaluate
from mailcanary.recipients import RecipientPlan, normalise, normalise_domain
from mailcanary.round.checks import header_vs_envelope_verdict
from mailcanary.ses.events import EventType, RecipientStatus
from mailcanary.store import ObservedEvent, PathKind, new_path

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _raw(to: str) -> bytes:
    return f"From: canary@example.com\r\nTo: {to}\r\nSubject: c\r\n\r\nbody\r\n".encode()


def _send_time(header: str, envelope: str) -> bool:
    """Whether `recipients.header_vs_envelope` passes for a message whose To is `header`, sent to `envelope`."""
    raw = _raw(header)
    verdict = header_vs_envelope_verdict("api", raw, RecipientPlan.of(to=[header]), [envelope])
    return verdict.passed


def _delivered(header: str, envelope: str) -> bool:
    """Whether `recipients.delivered` passes when SES reports `header` for a path sent to `envelope`."""
    path = new_path("c1", "api", PathKind.API, "ses", deadline=T0 + timedelta(minutes=15), envelope=(envelope,))
    event = ObservedEvent(
        "d#1", EventType.DELIVERY, T0, (header,), (RecipientStatus(header, "2.0.0"),), header_recipients=(header,)
    )
    path = replace(path, events=(event,), header_recipients=(envelope,))
    failed = {failed.check for failed in evaluate(path).failed}
    return Check.RECIPIENTS_DELIVERED not in failed


@pytest.mark.parametrize(
    ("header", "envelope"),
    [
        ("user@Straße.DE", "user@xn--strae-oqa.de"),  # Unicode vs A-label, domain case
        ("user@XN--STRAE-OQA.DE", "user@straße.de"),
        ("user@BÜCHER.example", "user@bücher.example"),
        ("user@Example.COM", "user@example.com"),
    ],
)
def test_given_addresses_differing_only_in_domain_case_and_idna_form_when_judged_then_both_checks_agree_they_match(
    header: str, envelope: str
) -> None:
    # Given a header and an envelope address that differ only in the domain's case and IDNA form
    # When both the send-time check and the delivered check judge them
    # Then both say they are the same recipient
    assert (_send_time(header, envelope), _delivered(header, envelope)) == (True, True)


@pytest.mark.parametrize(
    ("header", "envelope"),
    [
        ("user@straße.de", "user@strasse.de"),  # IDNA 2003 would map ß to ss: a different domain under IDNA 2008
        ("User@example.com", "user@example.com"),  # local parts are case-sensitive
    ],
)
def test_given_different_recipients_when_judged_then_both_checks_agree_they_differ(header: str, envelope: str) -> None:
    # Given two addresses that name different mailboxes; When both checks judge them; Then both fail
    assert (_send_time(header, envelope), _delivered(header, envelope)) == (False, False)


def test_given_sharp_s_domain_when_normalised_then_idna_2008_a_label_not_the_2003_mapping() -> None:
    # Given straße.de; When normalised; Then its IDNA 2008 A-label, not strasse.de
    assert normalise_domain("Straße.DE") == "xn--strae-oqa.de"
    assert normalise("Name <user@straße.de>") == "user@xn--strae-oqa.de"
