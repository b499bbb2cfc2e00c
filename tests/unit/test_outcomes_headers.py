"""recipients.delivered also compares the To/Cc of the message SES received with the To/Cc the path sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mailcanary.core.checks import CanaryState, Check
from mailcanary.decide.evaluate import evaluate
from mailcanary.decide.reconcile import _header_recipients
from mailcanary.ses.events import EventType, RecipientStatus
from mailcanary.store import ObservedEvent, PathKind, PathRecord, new_path
from mailcanary.store.codec import path_from_item, path_item

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TO = "success+to@simulator.amazonses.com"
CC = "success+cc@simulator.amazonses.com"


def _path(header_recipients: tuple[str, ...], received: tuple[str, ...] | None) -> PathRecord:
    path = new_path(
        "c1",
        "smtp:lab",
        PathKind.SMTP,
        "lab",
        deadline=T0 + timedelta(minutes=15),
        envelope=(TO, CC),
        header_recipients=header_recipients,
    )
    events = tuple(
        ObservedEvent(
            f"d#{rcpt}", EventType.DELIVERY, T0, (TO, CC), (RecipientStatus(rcpt),), header_recipients=received
        )
        for rcpt in (TO, CC)
    )
    return replace(path, events=events)


def test_given_same_header_recipients_when_evaluated_then_passed() -> None:
    # Given SES's copy of the headers naming the same recipients, one with its domain upper-cased
    local, _, domain = TO.rpartition("@")
    # When evaluated; Then they are the same recipients (domains are case-insensitive, local parts kept)
    assert evaluate(_path((TO, CC), (f"{local}@{domain.upper()}", CC))).state is CanaryState.PASSED


def test_given_cc_stripped_on_the_way_when_evaluated_then_recipients_delivered_fails_naming_it() -> None:
    # Given the path sent To and Cc, When SES received a message naming only To
    verdict = evaluate(_path((TO, CC), (TO,)))
    # Then recipients.delivered fails and says which recipient is missing
    assert verdict.state is CanaryState.FAILED
    assert [failed.check for failed in verdict.failed] == [Check.RECIPIENTS_DELIVERED]
    assert CC in verdict.failed[0].detail
    assert "missing" in verdict.failed[0].detail


def test_given_no_header_recipients_recorded_or_reported_when_evaluated_then_not_compared() -> None:
    assert evaluate(_path((), (TO,))).state is CanaryState.PASSED
    assert evaluate(_path((TO, CC), None)).state is CanaryState.PASSED


def test_given_ses_headers_when_parsed_then_to_and_cc_addresses_only() -> None:
    headers = {"From": "canary@example.com", "To": f"Canary <{TO}>", "Cc": CC, "Subject": "x"}
    assert _header_recipients(headers) == (TO, CC)
    assert _header_recipients({"From": "a@example.com"}) == ()
    assert _header_recipients({}) is None


def test_given_header_recipients_when_stored_and_loaded_then_they_round_trip() -> None:
    path = _path((TO, CC), (TO,))
    loaded = path_from_item(path_item(path, expires_at=T0 + timedelta(days=30)))
    assert loaded.header_recipients == (TO, CC)
    assert {event.header_recipients for event in loaded.events} == {(TO,)}
