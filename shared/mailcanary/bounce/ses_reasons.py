"""The bounce taxonomy applied to SES events, so SES bounces and MTA bounces read alike."""

from __future__ import annotations

from mailcanary.bounce.reasons import Classification, Reason, classify
from mailcanary.ses.events import BounceSubType, BounceType, EventType, RecipientStatus, SesEventSummary

__all__ = ["classify_ses_recipient"]

# SES's own bounce subtypes are more precise than any text: they decide when they name a reason.
_BY_SUBTYPE: dict[BounceSubType, Reason] = {
    BounceSubType.SUPPRESSED: Reason.SUPPRESSED,
    BounceSubType.ON_ACCOUNT_SUPPRESSION_LIST: Reason.SUPPRESSED,
    BounceSubType.NO_EMAIL: Reason.USER_UNKNOWN,
    BounceSubType.MAILBOX_FULL: Reason.MAILBOX_FULL,
    BounceSubType.MESSAGE_TOO_LARGE: Reason.MESSAGE_TOO_LARGE,
    BounceSubType.CONTENT_REJECTED: Reason.CONTENT_ERROR,
    BounceSubType.ATTACHMENT_REJECTED: Reason.CONTENT_ERROR,
}


def classify_ses_recipient(event: SesEventSummary, recipient: RecipientStatus) -> Classification | None:
    """Reason and hardness for a recipient of a Bounce, Complaint or DeliveryDelay; None for other events."""
    if event.event_type is EventType.COMPLAINT:
        return Classification(Reason.COMPLAINT, hard=False)
    if event.event_type is EventType.DELIVERY_DELAY:
        return Classification(classify(recipient.status, recipient.diagnostic_code).reason, hard=False)
    if event.event_type is not EventType.BOUNCE:
        return None
    by_subtype = _BY_SUBTYPE.get(event.bounce_subtype) if event.bounce_subtype else None
    reason = by_subtype or classify(recipient.status, recipient.diagnostic_code).reason
    return Classification(reason, hard=event.bounce_type is BounceType.PERMANENT)
