"""SES events (event publishing and legacy notifications) and the normalised summary the reconciler reads.

CONTRACT (kept stable for reconcile.py): `EventType`, `BounceType`, `BounceSubType`, `RecipientStatus`,
`SesEventSummary`. The pydantic boundary models and the parsing functions live below them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = ["BounceSubType", "BounceType", "EventType", "RecipientStatus", "SesEventSummary"]


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
