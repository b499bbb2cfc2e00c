"""What a parsed bounce says: its kind and, per recipient, the delivery status and the classified reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mailcanary.bounce.reasons import Reason

__all__ = ["BounceKind", "BounceReport", "BouncedRecipient", "Finding"]


class BounceKind(StrEnum):
    BOUNCE = "bounce"  # at least one recipient failed
    DELAY = "delay"  # a warning: delivery is still being retried
    AUTO_REPLY = "auto_reply"  # RFC 3834 automatic response (out of office, ...), not a failure
    COMPLAINT = "complaint"  # ARF feedback report (RFC 5965)
    NOT_BOUNCE = "not_bounce"  # anything else, including success DSNs; names no recipients


@dataclass(frozen=True, slots=True)
class Finding:
    """One recipient as a dialect or the DSN reader found it, before classification."""

    address: str
    action: str | None = "failed"
    status: str | None = None
    diagnostic_code: str | None = None
    original_recipient: str | None = None
    remote_mta: str | None = None
    last_attempt_date: datetime | None = None
    reason: Reason | None = None  # set by a dialect whose format alone says why (a list refusing a post)


@dataclass(frozen=True, slots=True)
class BouncedRecipient:
    address: str  # Final-Recipient (or the address the dialect names)
    action: str | None  # failed, delayed, delivered, relayed, expanded (RFC 3464)
    status: str | None  # the DSN's own enhanced code, else the best one found in the diagnostic text
    diagnostic_code: str | None
    reason: Reason
    hard: bool
    original_recipient: str | None = None
    remote_mta: str | None = None
    reporting_mta: str | None = None
    last_attempt_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class BounceReport:
    kind: BounceKind
    recipients: tuple[BouncedRecipient, ...] = ()
    dialect: str = ""  # "rfc3464", "arf", "rfc3834" or the dialect module's name; "" when not a bounce
    reporting_mta: str | None = None
    original_message_id: str | None = None  # Message-ID of the returned original, to match the canary
    feedback_type: str | None = None  # ARF Feedback-Type (abuse, fraud, ...)
