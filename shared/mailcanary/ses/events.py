"""SES events (event publishing and legacy notifications) and the normalised summary the reconciler reads.

CONTRACT (kept stable for reconcile.py): `EventType`, `BounceType`, `BounceSubType`, `RecipientStatus`,
`SesEventSummary`. The pydantic boundary models live in `event_models.py`; the parsing functions below turn
one record (bare, or inside an SNS notification) or a whole Lambda SNS event into summaries.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from mailcanary.ses.errors import SesEventParseError

if TYPE_CHECKING:
    from mailcanary.ses.event_models import SesEventRecordModel

__all__ = [
    "BounceSubType",
    "BounceType",
    "EventType",
    "RecipientStatus",
    "SesEventSummary",
    "UnparseableEvent",
    "parse_ses_event",
    "parse_sns_lambda_event",
]

logger = logging.getLogger(__name__)


class EventType(StrEnum):
    """SES event types; legacy `notificationType` values map onto the same names."""

    SEND = "Send"
    DELIVERY = "Delivery"
    BOUNCE = "Bounce"
    COMPLAINT = "Complaint"
    REJECT = "Reject"
    DELIVERY_DELAY = "DeliveryDelay"
    RENDERING_FAILURE = "Rendering Failure"
    OPEN = "Open"
    CLICK = "Click"
    SUBSCRIPTION = "Subscription"
    RECEIVED = "Received"
    UNKNOWN = "Unknown"


class BounceType(StrEnum):
    PERMANENT = "Permanent"
    TRANSIENT = "Transient"
    UNDETERMINED = "Undetermined"


class BounceSubType(StrEnum):
    GENERAL = "General"
    NO_EMAIL = "NoEmail"
    SUPPRESSED = "Suppressed"
    ON_ACCOUNT_SUPPRESSION_LIST = "OnAccountSuppressionList"
    MAILBOX_FULL = "MailboxFull"
    MESSAGE_TOO_LARGE = "MessageTooLarge"
    CONTENT_REJECTED = "ContentRejected"
    ATTACHMENT_REJECTED = "AttachmentRejected"
    UNDETERMINED = "Undetermined"
    UNKNOWN = "Unknown"


@dataclass(frozen=True, slots=True)
class RecipientStatus:
    """What one event says about one recipient (bounced, complained, delivered or delayed)."""

    address: str
    status: str | None = None  # enhanced status code, e.g. "5.1.1"
    action: str | None = None  # e.g. "failed", "delivered", "delayed"
    diagnostic_code: str | None = None


@dataclass(frozen=True, slots=True)
class SesEventSummary:
    """One SES event reduced to what matching and decisions need."""

    event_type: EventType
    message_id: str  # SES message id (mail.messageId)
    timestamp: datetime | None
    destination: tuple[str, ...]  # mail.destination: the recipients SES really used for the message
    recipients: tuple[RecipientStatus, ...] = ()  # recipients this event is about
    bounce_type: BounceType | None = None
    bounce_subtype: BounceSubType | None = None
    complaint_feedback_type: str | None = None
    feedback_id: str | None = None  # unique per SES event; empty when SES gives none
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)  # mail.tags
    headers: dict[str, str] = field(default_factory=dict)  # mail.headers when SES included them
    unknown_fields: tuple[str, ...] = ()  # tolerated but logged and counted
    raw_event_type: str | None = None  # the eventType / notificationType exactly as SES sent it


@dataclass(frozen=True, slots=True)
class UnparseableEvent:
    """One SNS record of a Lambda event that could not be read as an SES event; kept, never dropped."""

    reason: str
    sns_message_id: str | None = None


_EVENT_TYPES = {
    member.value.replace(" ", "").lower(): member for member in EventType if member is not EventType.UNKNOWN
}


def parse_ses_event(payload: str | bytes | Mapping[str, Any]) -> SesEventSummary:
    """Summarise one SES record, bare or inside an SNS notification (`Message` as a JSON string or object).

    Unknown event types and fields are tolerated: they give `EventType.UNKNOWN` / `unknown_fields` and a
    warning log. Input that is not JSON, not an object, or has no `mail.messageId` raises `SesEventParseError`.
    """
    document = _load_object(payload)
    if "Type" in document and "Message" in document:
        document = _unwrap_sns_notification(document)
    return _summarise(_validate_record(document))


def parse_sns_lambda_event(event: Mapping[str, Any]) -> tuple[SesEventSummary | UnparseableEvent, ...]:
    """Summarise every record of a Lambda SNS event, in order; a bad record becomes an `UnparseableEvent`.

    Raises `SesEventParseError` only when the event itself has no `Records` list.
    """
    from aws_lambda_powertools.utilities.parser.models import SnsRecordModel

    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise SesEventParseError("not a Lambda SNS event: no Records list")
    results: list[SesEventSummary | UnparseableEvent] = []
    for raw in records:
        sns = raw.get("Sns") if isinstance(raw, Mapping) else None
        sns_id = sns.get("MessageId") if isinstance(sns, Mapping) and isinstance(sns.get("MessageId"), str) else None
        if not isinstance(sns, Mapping):
            results.append(UnparseableEvent("not an SNS record: no Sns object", None))
            continue
        try:
            record = SnsRecordModel.model_validate(_message_as_text(raw, "Sns"))
            results.append(parse_ses_event(str(record.Sns.Message)))
        except ValidationError as exc:
            results.append(UnparseableEvent(f"not an SNS record: {_first_error(exc)}", sns_id))
        except SesEventParseError as exc:
            results.append(UnparseableEvent(str(exc), sns_id))
    return tuple(results)


def _load_object(payload: str | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(payload, Mapping):
        return payload
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise SesEventParseError(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise SesEventParseError(f"not a JSON object but {type(document).__name__}")
    return document


def _message_as_text(container: Any, key: str | None = None) -> Any:
    """A copy (Powertools' SNS validator renames keys in place) with `Message` as text.

    moto (not SNS) publishes `Message` as an object; real SNS always sends a JSON string.
    """
    if not isinstance(container, Mapping):
        return container
    inner = container.get(key) if key else container
    if isinstance(inner, Mapping):
        inner = dict(inner)
        if isinstance(inner.get("Message"), Mapping | list):
            inner["Message"] = json.dumps(inner["Message"])
    return {**container, key: inner} if key else inner


def _unwrap_sns_notification(document: Mapping[str, Any]) -> Mapping[str, Any]:
    from aws_lambda_powertools.utilities.parser.models import SnsNotificationModel

    try:
        notification = SnsNotificationModel.model_validate(_message_as_text(document))
    except ValidationError as exc:
        raise SesEventParseError(f"not an SNS notification: {_first_error(exc)}") from exc
    return _load_object(str(notification.Message))


def _validate_record(document: Mapping[str, Any]) -> SesEventRecordModel:
    from mailcanary.ses.event_models import SesEventRecordModel

    try:
        return SesEventRecordModel.model_validate(document)
    except ValidationError as exc:
        raise SesEventParseError(f"not an SES event: {_first_error(exc)}") from exc


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "record"
    return f"{where}: {first['msg']} ({exc.error_count()} error(s))"


def _summarise(record: SesEventRecordModel) -> SesEventSummary:
    from mailcanary.ses.event_models import unknown_fields

    raw_type = record.eventType if record.eventType is not None else record.notificationType
    event_type = _EVENT_TYPES.get((raw_type or "").replace(" ", "").lower(), EventType.UNKNOWN)
    unknown = list(unknown_fields(record))
    recipients, timestamp = _recipients(event_type, record)
    bounce_type = bounce_subtype = None
    if record.bounce is not None and event_type is EventType.BOUNCE:
        bounce_type = _enum_or(BounceType, record.bounce.bounceType, BounceType.UNDETERMINED, unknown, "bounceType")
        bounce_subtype = _enum_or(
            BounceSubType, record.bounce.bounceSubType, BounceSubType.UNKNOWN, unknown, "bounceSubType"
        )
    feedback = record.bounce or record.complaint
    summary = SesEventSummary(
        event_type=event_type,
        message_id=record.mail.messageId,
        timestamp=timestamp or record.mail.timestamp,
        destination=tuple(record.mail.destination),
        recipients=recipients,
        bounce_type=bounce_type,
        bounce_subtype=bounce_subtype,
        complaint_feedback_type=record.complaint.complaintFeedbackType if record.complaint else None,
        feedback_id=feedback.feedbackId if feedback is not None else None,
        tags={name: tuple(values) for name, values in record.mail.tags.items()},
        headers=_headers(record),
        unknown_fields=tuple(unknown),
        raw_event_type=raw_type,
    )
    if event_type is EventType.UNKNOWN or unknown:
        logger.warning(
            "SES event with unknown type or fields",
            extra={"ses_message_id": summary.message_id, "event_type": raw_type, "unknown_fields": unknown},
        )
    return summary


def _recipients(event_type: EventType, record: SesEventRecordModel) -> tuple[tuple[RecipientStatus, ...], Any]:
    """The recipients a record is about and its own timestamp; message-level events name no recipients."""
    if event_type is EventType.BOUNCE and record.bounce is not None:
        return tuple(_status(r, "failed") for r in record.bounce.bouncedRecipients), record.bounce.timestamp
    if event_type is EventType.COMPLAINT and record.complaint is not None:
        return tuple(_status(r, None) for r in record.complaint.complainedRecipients), record.complaint.timestamp
    if event_type is EventType.DELIVERY_DELAY and record.deliveryDelay is not None:
        delay = record.deliveryDelay
        return tuple(_status(r, "delayed") for r in delay.delayedRecipients), delay.timestamp
    if event_type is EventType.DELIVERY and record.delivery is not None:
        delivery = record.delivery
        statuses = tuple(
            RecipientStatus(address, action="delivered", diagnostic_code=delivery.smtpResponse)
            for address in delivery.recipients
        )
        return statuses, delivery.timestamp
    if event_type is EventType.RECEIVED and record.receipt is not None:
        return tuple(RecipientStatus(address) for address in record.receipt.recipients), record.receipt.timestamp
    detail = record.open or record.click or record.subscription
    return (), detail.timestamp if detail is not None else None


def _status(recipient: Any, default_action: str | None) -> RecipientStatus:
    return RecipientStatus(
        address=recipient.emailAddress,
        status=recipient.status,
        action=recipient.action or default_action,
        diagnostic_code=recipient.diagnosticCode,
    )


def _enum_or(enum: Any, value: str | None, fallback: Any, unknown: list[str], name: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        unknown.append(f"bounce.{name}={value}")
        return fallback


def _headers(record: SesEventRecordModel) -> dict[str, str]:
    headers: dict[str, str] = {}
    for header in record.mail.headers:
        headers.setdefault(header.name, header.value)
    return headers
