"""SES event recipients get reasons from the same taxonomy as MTA bounces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailcanary.bounce import Reason
from mailcanary.bounce.ses_reasons import classify_ses_recipient
from mailcanary.ses.events import parse_ses_event

SES_DOCS = Path(__file__).resolve().parents[1] / "data" / "ses-docs"


@pytest.mark.parametrize(
    ("bounce_type", "subtype", "reason", "hard"),
    [
        ("Permanent", "General", Reason.USER_UNKNOWN, True),  # from the 5.1.1 status
        ("Permanent", "OnAccountSuppressionList", Reason.SUPPRESSED, True),
        ("Permanent", "Suppressed", Reason.SUPPRESSED, True),
        ("Transient", "MailboxFull", Reason.MAILBOX_FULL, False),
        ("Transient", "MessageTooLarge", Reason.MESSAGE_TOO_LARGE, False),
        ("Transient", "AttachmentRejected", Reason.CONTENT_ERROR, False),
    ],
)
def test_given_ses_bounce_subtype_when_classified_then_subtype_decides(
    bounce_type: str, subtype: str, reason: Reason, hard: bool
) -> None:
    doc = json.loads((SES_DOCS / "evpub-sns-bounce.json").read_text())
    doc["bounce"].update(bounceType=bounce_type, bounceSubType=subtype)
    event = parse_ses_event(doc)
    verdict = classify_ses_recipient(event, event.recipients[0])
    assert verdict is not None
    assert (verdict.reason, verdict.hard) == (reason, hard)


def test_given_delay_complaint_and_delivery_when_classified_then_soft_complaint_and_none() -> None:
    delay = parse_ses_event((SES_DOCS / "evpub-sns-deliverydelay.json").read_bytes())
    verdict = classify_ses_recipient(delay, delay.recipients[0])
    assert verdict is not None
    assert (verdict.reason, verdict.hard) == (Reason.NETWORK_ERROR, False)
    complaint = parse_ses_event((SES_DOCS / "evpub-sns-complaint.json").read_bytes())
    verdict = classify_ses_recipient(complaint, complaint.recipients[0])
    assert verdict is not None
    assert (verdict.reason, verdict.hard) == (Reason.COMPLAINT, False)
    delivery = parse_ses_event((SES_DOCS / "evpub-sns-delivery.json").read_bytes())
    assert classify_ses_recipient(delivery, delivery.recipients[0]) is None
