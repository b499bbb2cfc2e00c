"""The lab's SES event emulator must produce records shaped like the official SES examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailcanary.lab.ses_emulator import AcceptedMessage, EventFault, emulate_events, sns_lambda_event

SES_DOCS = Path(__file__).resolve().parents[1] / "data" / "ses-docs"  # the official examples, see SOURCES.md
RAW = (
    b"From: canary@example.com\r\nTo: success+c1@simulator.amazonses.com\r\n"
    b"Cc: Someone <bounce+c1@simulator.amazonses.com>\r\nSubject: canary c1\r\n\r\nbody\r\n"
)


def _accepted(*destinations: str) -> AcceptedMessage:
    return AcceptedMessage(
        message_id="0100abc-000000",
        source="canary@example.com",
        destinations=destinations,
        raw=RAW,
        accepted_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        configuration_set="mailcanary",
    )


def _types(records: list[dict[str, object]]) -> list[object]:
    return [record["eventType"] for record in records]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("success+c1@simulator.amazonses.com", ["Send", "Delivery"]),
        ("bounce+c1@simulator.amazonses.com", ["Send", "Bounce"]),
        ("ooto+c1@simulator.amazonses.com", ["Send", "Delivery"]),
        ("complaint+c1@simulator.amazonses.com", ["Send", "Delivery", "Complaint"]),
        ("suppressionlist+c1@simulator.amazonses.com", ["Send", "Bounce"]),
        ("someone@example.org", ["Send", "Delivery"]),
    ],
)
def test_given_simulator_address_when_emulated_then_events_follow_simulator(address: str, expected: list[str]) -> None:
    assert _types(emulate_events(_accepted(address))) == expected


def test_given_destinations_when_emulated_then_mail_destination_is_exactly_them_not_the_headers() -> None:
    # Given a send whose headers name two recipients but whose Destinations name one
    records = emulate_events(_accepted("success+c1@simulator.amazonses.com"))
    # Then SES-style mail.destination is the envelope only (moto would merge the header recipients in)
    assert {tuple(record["mail"]["destination"]) for record in records} == {("success+c1@simulator.amazonses.com",)}


def test_given_suppression_list_address_when_emulated_then_bounce_subtype_is_on_account_list() -> None:
    bounce = emulate_events(_accepted("suppressionlist+c1@simulator.amazonses.com"))[1]["bounce"]
    assert (bounce["bounceType"], bounce["bounceSubType"]) == ("Permanent", "OnAccountSuppressionList")


@pytest.mark.parametrize(
    ("event_type", "fixture"),
    [
        ("Delivery", "evpub-sns-delivery.json"),
        ("Bounce", "evpub-sns-bounce.json"),
        ("Complaint", "evpub-sns-complaint.json"),
        ("Send", "evpub-sns-send.json"),
    ],
)
def test_given_emulated_record_then_its_keys_match_the_official_example(event_type: str, fixture: str) -> None:
    official = json.loads((SES_DOCS / fixture).read_text())
    records = emulate_events(_accepted("complaint+c1@simulator.amazonses.com", "bounce+c1@simulator.amazonses.com"))
    record = next(r for r in records if r["eventType"] == event_type)
    assert set(record) == set(official)
    assert set(official["mail"]) - {"sourceIp", "callerIdentity"} <= set(record["mail"])
    detail = event_type[0].lower() + event_type[1:]
    assert set(official[detail]) - {"remoteMtaIp"} <= set(record[detail]) | {"userAgent", "arrivalDate"}


def test_given_faults_when_emulated_then_lost_has_no_events_and_unexpected_bounce_bounces() -> None:
    assert emulate_events(_accepted("success+c1@simulator.amazonses.com"), faults={EventFault.LOST}) == []
    bounced = emulate_events(_accepted("success+c1@simulator.amazonses.com"), faults={EventFault.UNEXPECTED_BOUNCE})
    assert _types(bounced) == ["Send", "Bounce"]


def test_given_duplicate_fault_when_wrapped_in_sns_then_each_notification_arrives_twice_with_same_id() -> None:
    records = emulate_events(_accepted("success+c1@simulator.amazonses.com"))
    event = sns_lambda_event(records, faults={EventFault.DUPLICATE})
    ids = [record["Sns"]["MessageId"] for record in event["Records"]]
    assert len(ids) == 4
    assert len(set(ids)) == 2
    assert all(isinstance(record["Sns"]["Message"], str) for record in event["Records"])
