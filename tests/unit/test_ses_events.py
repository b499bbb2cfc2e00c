"""SES event parsing: every official example, SNS wrapping (string and object `Message`), unknowns, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailcanary.ses.errors import SesEventParseError
from mailcanary.ses.events import (
    BounceSubType,
    BounceType,
    EventType,
    SesEventSummary,
    UnparseableEvent,
    parse_ses_event,
    parse_sns_lambda_event,
)

SES_DOCS = Path(__file__).resolve().parents[1] / "data" / "ses-docs"

# file → (event type, recipients the event is about, mail.destination)
EXPECTED: dict[str, tuple[EventType, tuple[str, ...], tuple[str, ...]]] = {
    "evpub-sns-bounce.json": (EventType.BOUNCE, ("recipient@example.com",), ("recipient@example.com",)),
    "evpub-sns-click.json": (EventType.CLICK, (), ("recipient@example.com",)),
    "evpub-sns-complaint.json": (EventType.COMPLAINT, ("recipient@example.com",), ("recipient@example.com",)),
    "evpub-sns-delivery.json": (EventType.DELIVERY, ("recipient@example.com",), ("recipient@example.com",)),
    "evpub-sns-deliverydelay.json": (EventType.DELIVERY_DELAY, ("recipient@example.com",), ("recipient@example.com",)),
    "evpub-sns-open.json": (EventType.OPEN, (), ("recipient@example.com",)),
    "evpub-sns-reject.json": (EventType.REJECT, (), ("sender@example.com",)),
    "evpub-sns-rendering-failure.json": (EventType.RENDERING_FAILURE, (), ("recipient@example.com",)),
    "evpub-sns-send.json": (EventType.SEND, (), ("recipient@example.com",)),
    "evpub-sns-subscription.json": (EventType.SUBSCRIPTION, (), ("recipient@example.com",)),
    "legacy-notification-amazon-sns-delivery-example.json": (
        EventType.DELIVERY,
        ("jane@example.com",),
        ("jane@example.com",),
    ),
    "legacy-notification-bounce-with-a-dsn.json": (
        EventType.BOUNCE,
        ("jane@example.com",),
        ("jane@example.com", "mary@example.com", "richard@example.com"),
    ),
    "legacy-notification-bounce-without-a-dsn.json": (
        EventType.BOUNCE,
        ("jane@example.com", "richard@example.com"),
        ("jane@example.com", "mary@example.com", "richard@example.com"),
    ),
    "legacy-notification-complaint-with-a-feedback-report.json": (
        EventType.COMPLAINT,
        ("richard@example.com",),
        ("jane@example.com", "mary@example.com", "richard@example.com"),
    ),
    "legacy-notification-complaint-without-a-feedback-report.json": (
        EventType.COMPLAINT,
        ("richard@example.com",),
        ("jane@example.com", "mary@example.com", "richard@example.com"),
    ),
    "receiving-alert.json": (EventType.RECEIVED, ("recipient@example.com",), ("recipient@example.com",)),
    "receiving-notification-of-an-sns-action.json": (
        EventType.RECEIVED,
        ("recipient@example.com",),
        ("recipient@example.com",),
    ),
}


def _sns_notification(message: Any) -> dict[str, Any]:
    return {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
        "Message": message,
        "Timestamp": "2017-08-05T00:41:03.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=example",
    }


def _lambda_record(message: Any) -> dict[str, Any]:
    sns = _sns_notification(message)
    sns["UnsubscribeUrl"] = sns.pop("UnsubscribeURL")
    sns["SigningCertUrl"] = sns.pop("SigningCertURL")
    return {"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:x", "Sns": sns}


def _doc(name: str) -> dict[str, Any]:
    return dict(json.loads((SES_DOCS / name).read_text()))


def test_every_shared_fixture_is_in_the_table() -> None:
    assert sorted(p.name for p in SES_DOCS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_given_official_example_when_parsed_then_type_recipients_and_destination_match(name: str) -> None:
    # Given one of the official SES examples, bare
    expected_type, expected_recipients, expected_destination = EXPECTED[name]
    raw = (SES_DOCS / name).read_bytes()
    # When it is parsed as bytes and inside an SNS notification
    bare = parse_ses_event(raw)
    wrapped = parse_ses_event(json.dumps(_sns_notification(raw.decode())))
    # Then both give the same summary with the right type, recipients and destination, and nothing unknown
    assert bare == wrapped
    assert bare.event_type is expected_type
    assert tuple(r.address for r in bare.recipients) == expected_recipients
    assert bare.destination == expected_destination
    assert bare.message_id == _doc(name)["mail"]["messageId"]
    assert bare.unknown_fields == ()
    assert bare.timestamp is not None


def test_given_bounce_record_when_parsed_then_dsn_fields_and_types_are_kept() -> None:
    summary = parse_ses_event(_doc("legacy-notification-bounce-with-a-dsn.json"))
    assert summary.bounce_type is BounceType.PERMANENT
    assert summary.bounce_subtype is BounceSubType.GENERAL
    (jane,) = summary.recipients
    assert (jane.status, jane.action) == ("5.1.1", "failed")
    assert jane.diagnostic_code == "smtp; 550 5.1.1 <jane@example.com>... User"
    assert summary.feedback_id == "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000"


def test_given_delay_and_delivery_when_parsed_then_actions_say_so() -> None:
    delay = parse_ses_event(_doc("evpub-sns-deliverydelay.json"))
    assert [(r.action, r.status) for r in delay.recipients] == [("delayed", "4.4.1")]
    delivery = parse_ses_event(_doc("evpub-sns-delivery.json"))
    assert [(r.action, r.diagnostic_code) for r in delivery.recipients] == [("delivered", "250 2.6.0 Message received")]
    assert delivery.tags["ses:configuration-set"] == ("ConfigSet",)


def test_given_complaint_when_parsed_then_feedback_type_is_kept() -> None:
    summary = parse_ses_event(_doc("evpub-sns-complaint.json"))
    assert summary.complaint_feedback_type == "abuse"


def test_given_moto_style_sns_with_object_message_when_parsed_then_same_as_string() -> None:
    # Given the SNS notification moto publishes, whose Message is an object (real SNS sends a string)
    doc = _doc("evpub-sns-bounce.json")
    # When parsed both ways
    # Then the summaries are equal
    assert parse_ses_event(_sns_notification(doc)) == parse_ses_event(_sns_notification(json.dumps(doc)))


def test_given_unknown_type_and_fields_when_parsed_then_tolerated_logged_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a record with a new event type, a new top-level key and a new bounce field and subtype
    doc = _doc("evpub-sns-bounce.json")
    doc["eventType"] = "Teleport"
    doc["teleport"] = {"where": "moon"}
    doc["bounce"]["newField"] = 1
    # When parsed
    summary = parse_ses_event(doc)
    # Then the type is UNKNOWN, the raw type is kept, unknown fields are listed and a warning is logged
    assert summary.event_type is EventType.UNKNOWN
    assert summary.raw_event_type == "Teleport"
    assert summary.unknown_fields == ("bounce.newField", "teleport")
    assert "unknown" in caplog.text
    # And an unknown bounce subtype maps to UNKNOWN and is counted
    doc = _doc("evpub-sns-bounce.json")
    doc["bounce"]["bounceSubType"] = "Quantum"
    summary = parse_ses_event(doc)
    assert summary.bounce_subtype is BounceSubType.UNKNOWN
    assert summary.unknown_fields == ("bounce.bounceSubType=Quantum",)


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"eventType": "Bounce"}', "mail"),
        ('{"eventType": "Bounce", "mail": {"messageId": 7}}', "messageId"),
        (json.dumps(_sns_notification("plain text, not JSON")), "not JSON"),
        (json.dumps({"Type": "Notification", "Message": "{}"}), "not an SNS notification"),
    ],
)
def test_given_malformed_input_when_parsed_then_typed_error(payload: str | bytes, needle: str) -> None:
    with pytest.raises(SesEventParseError, match=needle):
        parse_ses_event(payload)


def test_given_lambda_sns_event_when_parsed_then_each_record_in_order_and_bad_ones_kept() -> None:
    # Given a Lambda SNS event: a bounce, a record that is not JSON, a delivery, and junk
    event = {
        "Records": [
            _lambda_record(json.dumps(_doc("evpub-sns-bounce.json"))),
            _lambda_record("hello"),
            _lambda_record(json.dumps(_doc("evpub-sns-delivery.json"))),
            {"Sns": 3},
            {"EventSource": "aws:sns"},
        ]
    }
    # When parsed
    results = parse_sns_lambda_event(event)
    # Then every record gives one result, in order; bad ones are UnparseableEvent with a reason
    assert [type(r) for r in results] == [
        SesEventSummary,
        UnparseableEvent,
        SesEventSummary,
        UnparseableEvent,
        UnparseableEvent,
    ]
    first, second, third = results[0], results[1], results[2]
    assert isinstance(first, SesEventSummary)
    assert first.event_type is EventType.BOUNCE
    assert isinstance(second, UnparseableEvent)
    assert second.sns_message_id == "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324"
    assert isinstance(third, SesEventSummary)
    assert third.event_type is EventType.DELIVERY


def test_given_event_without_records_when_parsed_then_typed_error() -> None:
    with pytest.raises(SesEventParseError, match="Records"):
        parse_sns_lambda_event({"detail": {}})


def test_given_input_dict_when_parsed_then_it_is_not_modified() -> None:
    # Powertools' SNS model renames keys of the dict it validates; ours must not leak that to callers
    notification = _sns_notification(json.dumps(_doc("evpub-sns-send.json")))
    before = json.dumps(notification, sort_keys=True)
    parse_ses_event(notification)
    assert json.dumps(notification, sort_keys=True) == before
