"""SES "Received" notifications: the official examples, SNS wrapping, verdicts, inline content, malformed input."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mailcanary.arrival.errors import ArrivalTooLargeError, ReceivedNotificationError
from mailcanary.arrival.model import MAX_ARRIVED_BYTES, AuthVerdict, Placement, ReceiverKind
from mailcanary.arrival.ses_inbound import (
    MAX_NOTIFICATION_RECIPIENTS,
    ReceivedNotification,
    UnreadableNotification,
    arrived_copy,
    parse_received,
    parse_received_sns_event,
)

SES_DOCS = Path(__file__).resolve().parents[1] / "data" / "ses-docs"


def _doc(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SES_DOCS / name).read_text())
    return document


def _sns(*messages: Any) -> dict[str, Any]:
    return {
        "Records": [
            {"EventSource": "aws:sns", "Sns": {"MessageId": f"m{i}", "Message": m}} for i, m in enumerate(messages)
        ]
    }


def test_given_the_documented_s3_action_notification_when_parsed_then_verdicts_recipients_and_object_are_read() -> None:
    # Given the SES Developer Guide's "Alert notification" (an S3 action)
    document = _doc("receiving-alert.json")
    # When parsed
    received = parse_received(json.dumps(document))
    # Then the receipt's verdicts, recipients and the S3 object are what the example says
    assert received == ReceivedNotification(
        ses_message_id="d6iitobk75ur44p8kdnnp7g2n800",
        received_at=datetime(2015, 9, 11, 20, 32, 33, 936000, tzinfo=UTC),
        recipients=("recipient@example.com",),
        verdicts={
            "spf": AuthVerdict.PASS,
            "dkim": AuthVerdict.PASS,
            "spam": AuthVerdict.PASS,
            "virus": AuthVerdict.PASS,
        },
        bucket="my-S3-bucket",
        key="email",
    )
    assert received.location == "s3://my-S3-bucket/email"


def test_given_the_documented_sns_action_notification_when_parsed_then_the_inline_message_is_the_copy() -> None:
    # Given the "Notification of an SNS action" example, which carries the message in `content`
    document = _doc("receiving-notification-of-an-sns-action.json")
    # When parsed and turned into an arrived copy
    received = parse_received(document)
    copy = arrived_copy(received, received.content or b"")
    # Then the copy is the inline message, in the inbox, with SES's recipients and verdicts
    assert received.bucket is None
    assert received.content == document["content"].encode()
    assert copy.receiver is ReceiverKind.SES_INBOUND
    assert copy.placement is Placement.INBOX
    assert copy.envelope_recipients == ("recipient@example.com",)
    assert copy.receiver_verdicts["dkim"] is AuthVerdict.PASS
    assert copy.location == "sns:d6iitobk75ur44p8kdnnp7g2n800"


@pytest.mark.parametrize(
    ("status", "verdict"),
    [("FAIL", AuthVerdict.FAIL), ("GRAY", AuthVerdict.GRAY), ("PROCESSING_FAILED", AuthVerdict.PROCESSING_FAILED)],
)
def test_given_each_ses_verdict_status_when_parsed_then_it_maps_to_its_auth_verdict(
    status: str, verdict: AuthVerdict
) -> None:
    # Given a receipt whose SPF, DKIM and DMARC verdicts carry `status`
    document = _doc("receiving-alert.json")
    for name in ("spfVerdict", "dkimVerdict", "dmarcVerdict"):
        document["receipt"][name] = {"status": status}
    # When parsed
    received = parse_received(document)
    # Then each maps to the same AuthVerdict, DMARC included
    assert {received.verdicts[name] for name in ("spf", "dkim", "dmarc")} == {verdict}


def test_given_base64_inline_content_when_parsed_then_it_is_decoded() -> None:
    # Given an SNS action with BASE64 encoding
    document = _doc("receiving-notification-of-an-sns-action.json")
    document["receipt"]["action"]["encoding"] = "BASE64"
    document["content"] = base64.b64encode(b"Subject: hi\r\n\r\nbody\r\n").decode()
    # When parsed; Then the bytes are the decoded message
    assert parse_received(document).content == b"Subject: hi\r\n\r\nbody\r\n"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.update(notificationType="Bounce"), "notificationType"),
        (lambda d: d["receipt"].update(spfVerdict={"status": "MAYBE"}), "spfVerdict"),
        (lambda d: d["receipt"].update(recipients=[]), "recipients"),
        (lambda d: d["receipt"].update(recipients=["r@example.com"] * (MAX_NOTIFICATION_RECIPIENTS + 1)), "recipients"),
        (lambda d: d["mail"].pop("messageId"), "messageId"),
        (lambda d: d["receipt"]["action"].pop("bucketName"), "no S3 object"),
        (lambda d: d["receipt"].update(timestamp="yesterday"), "timestamp"),
    ],
)
def test_given_a_malformed_notification_when_parsed_then_a_typed_error_names_the_field(
    change: Any, reason: str
) -> None:
    # Given the documented notification with one thing broken
    document = _doc("receiving-alert.json")
    change(document)
    # When parsed; Then a ReceivedNotificationError names what is wrong
    with pytest.raises(ReceivedNotificationError, match=reason):
        parse_received(json.dumps(document))


@pytest.mark.parametrize("payload", ["", "not json", "[1, 2]", "null", '{"a": ' * 5000])
def test_given_text_that_is_no_json_object_when_parsed_then_a_typed_error(payload: str) -> None:
    # Given text that is not a JSON object; When parsed; Then a typed error, never a traceback
    with pytest.raises(ReceivedNotificationError):
        parse_received(payload)


def test_given_inline_content_beyond_the_bound_when_parsed_then_it_is_refused_as_too_large() -> None:
    # Given an SNS action carrying more than MAX_ARRIVED_BYTES inline
    document = _doc("receiving-notification-of-an-sns-action.json")
    document["content"] = "x" * (MAX_ARRIVED_BYTES + 1)
    # When parsed; Then refused as too large
    with pytest.raises(ArrivalTooLargeError):
        parse_received(document)


def test_given_an_sns_event_with_good_and_bad_records_when_parsed_then_each_is_kept_in_order() -> None:
    # Given an SNS event: the documented notification as text, as an object (moto's way), garbage, no Sns
    good = _doc("receiving-alert.json")
    event = _sns(json.dumps(good), good, "garbage")
    event["Records"].append({"EventSource": "aws:sns"})
    # When parsed
    parsed = parse_received_sns_event(event)
    # Then the two readable ones are notifications and the others are reported, with the SNS message id
    assert [type(each) for each in parsed] == [
        ReceivedNotification,
        ReceivedNotification,
        UnreadableNotification,
        UnreadableNotification,
    ]
    unreadable = parsed[2]
    assert isinstance(unreadable, UnreadableNotification)
    assert unreadable.sns_message_id == "m2"


def test_given_no_records_list_when_parsed_then_a_typed_error() -> None:
    # Given an event that is no SNS event; When parsed; Then a typed error
    with pytest.raises(ReceivedNotificationError, match="Records"):
        parse_received_sns_event({"source": "aws.events"})
