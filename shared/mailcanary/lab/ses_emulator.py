"""An SES event emulator: turns what a path really handed to SES into SES event-publishing records.

moto accepts sends but never publishes configuration-set events, so the local lab builds them here,
following the documented record format (tests/data/ses-docs) and the mailbox simulator's semantics:

| simulator address | events                                                                 |
|-------------------|------------------------------------------------------------------------|
| success+…         | Send, Delivery                                                         |
| bounce+…          | Send, Bounce Permanent/General, 5.1.1                                  |
| ooto+…            | Send, Delivery (the out-of-office reply goes to the sender, no event)  |
| complaint+…       | Send, Delivery, Complaint (abuse)                                      |
| suppressionlist+… | Send, Bounce Permanent/OnAccountSuppressionList                        |
| anything else     | Send, Delivery (the lab has no real mailboxes)                         |

SES-faithful where moto is not: `mail.destination` is the envelope the path really used — the API's
`Destinations` when given (moto records Destinations plus the header recipients instead), or the RCPT TO
recipients the SMTP endpoint accepted.
"""

from __future__ import annotations

import email
import email.policy
import json
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from mailcanary.ses.simulator import Scenario, scenario_of

__all__ = ["AcceptedMessage", "EventFault", "emulate_events", "sns_lambda_event"]

ACCOUNT_ID = "123456789012"
REPORTING_MTA = "a8-70.smtp-out.amazonses.com"
_SUPPRESSED_DIAGNOSTIC = (
    "Amazon SES did not send the message to this address because it is on the suppression list for your account."
)


class EventFault(StrEnum):
    """Faults the emulator can inject into the event stream."""

    LOST = "event-lost"  # no event arrives at all
    DUPLICATE = "event-duplicate"  # SNS delivers every notification twice (same SNS MessageId)
    UNEXPECTED_BOUNCE = "event-unexpected-bounce"  # a recipient expected to be delivered bounces


@dataclass(frozen=True, slots=True)
class AcceptedMessage:
    """What SES accepted for one send: its message id, the envelope it used and the raw message."""

    message_id: str
    source: str
    destinations: tuple[str, ...]
    raw: bytes
    accepted_at: datetime
    configuration_set: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    region: str = "us-east-1"


def emulate_events(
    accepted: AcceptedMessage, *, faults: Collection[EventFault] = (), delay: timedelta = timedelta(seconds=2)
) -> list[dict[str, Any]]:
    """The event-publishing records SES would publish for `accepted`, in the order SES sends them."""
    if EventFault.LOST in faults:
        return []
    mail = _mail_object(accepted)
    happened_at = accepted.accepted_at + delay
    records: list[dict[str, Any]] = [{"eventType": "Send", "mail": mail, "send": {}}]
    for index, recipient in enumerate(accepted.destinations):
        scenario = scenario_of(recipient)
        if EventFault.UNEXPECTED_BOUNCE in faults and index == 0 and scenario in (None, Scenario.SUCCESS):
            scenario = Scenario.BOUNCE
        records.extend(_recipient_records(mail, recipient, scenario, happened_at))
    return records


def sns_lambda_event(
    records: Iterable[Mapping[str, Any]],
    *,
    topic_arn: str = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:mailcanary-ses-events",
    faults: Collection[EventFault] = (),
) -> dict[str, Any]:
    """A Lambda event as SNS delivers it: each record's `Message` is a JSON *string* (moto sends an object)."""
    lambda_records = []
    for record in records:
        notification = _sns_record(record, topic_arn)
        lambda_records.append(notification)
        if EventFault.DUPLICATE in faults:
            lambda_records.append(notification)
    return {"Records": lambda_records}


def _recipient_records(
    mail: dict[str, Any], recipient: str, scenario: Scenario | None, at: datetime
) -> list[dict[str, Any]]:
    if scenario is Scenario.BOUNCE:
        return [_bounce(mail, recipient, "General", "smtp; 550 5.1.1 user unknown", at)]
    if scenario is Scenario.SUPPRESSION_LIST:
        return [_bounce(mail, recipient, "OnAccountSuppressionList", _SUPPRESSED_DIAGNOSTIC, at)]
    records = [_delivery(mail, recipient, at)]
    if scenario is Scenario.COMPLAINT:
        records.append(_complaint(mail, recipient, at + timedelta(seconds=1)))
    return records


def _mail_object(accepted: AcceptedMessage) -> dict[str, Any]:
    message = email.message_from_bytes(accepted.raw, policy=email.policy.compat32)
    headers = [{"name": name, "value": str(value)} for name, value in message.items()]
    common: dict[str, Any] = {"from": message.get_all("From", []), "messageId": accepted.message_id}
    for name in ("To", "Cc"):
        if message.get_all(name):
            common[name.lower()] = [str(value) for value in message.get_all(name, [])]
    common["subject"] = str(message.get("Subject", ""))
    tags: dict[str, list[str]] = {key: [value] for key, value in accepted.tags.items()}
    if accepted.configuration_set:
        tags["ses:configuration-set"] = [accepted.configuration_set]
    tags["ses:from-domain"] = [accepted.source.rpartition("@")[2].rstrip(">")]
    return {
        "timestamp": _iso(accepted.accepted_at),
        "source": accepted.source,
        "sourceArn": f"arn:aws:ses:{accepted.region}:{ACCOUNT_ID}:identity/{accepted.source}",
        "sendingAccountId": ACCOUNT_ID,
        "messageId": accepted.message_id,
        "destination": list(accepted.destinations),
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": common,
        "tags": tags,
    }


def _delivery(mail: dict[str, Any], recipient: str, at: datetime) -> dict[str, Any]:
    processing = int((at - datetime.fromisoformat(mail["timestamp"])).total_seconds() * 1000)
    delivery = {
        "timestamp": _iso(at),
        "processingTimeMillis": processing,
        "recipients": [recipient],
        "smtpResponse": "250 2.6.0 Message received",
        "reportingMTA": REPORTING_MTA,
    }
    return {"eventType": "Delivery", "mail": mail, "delivery": delivery}


def _bounce(mail: dict[str, Any], recipient: str, subtype: str, diagnostic: str, at: datetime) -> dict[str, Any]:
    bounced = {"emailAddress": recipient, "action": "failed", "status": "5.1.1", "diagnosticCode": diagnostic}
    bounce = {
        "bounceType": "Permanent",
        "bounceSubType": subtype,
        "bouncedRecipients": [bounced],
        "timestamp": _iso(at),
        "feedbackId": _feedback_id(),
        "reportingMTA": f"dns; {REPORTING_MTA}",
    }
    return {"eventType": "Bounce", "mail": mail, "bounce": bounce}


def _complaint(mail: dict[str, Any], recipient: str, at: datetime) -> dict[str, Any]:
    complaint = {
        "complainedRecipients": [{"emailAddress": recipient}],
        "timestamp": _iso(at),
        "feedbackId": _feedback_id(),
        "userAgent": "Amazon SES Mailbox Simulator",
        "complaintFeedbackType": "abuse",
        "arrivalDate": _iso(at),
    }
    return {"eventType": "Complaint", "mail": mail, "complaint": complaint}


def _sns_record(record: Mapping[str, Any], topic_arn: str) -> dict[str, Any]:
    region = topic_arn.split(":")[3]
    message_id = str(uuid.uuid4())
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic_arn,
            "Subject": None,
            "Message": json.dumps(record, separators=(",", ":")),
            "Timestamp": _iso(datetime.now(UTC)),
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-EXAMPLE.pem",
            "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic_arn}",
            "MessageAttributes": {},
        },
    }


def _feedback_id() -> str:
    return f"0100{uuid.uuid4().hex[:12]}-{uuid.uuid4()}-000000"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
