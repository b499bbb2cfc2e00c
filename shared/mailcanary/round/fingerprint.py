"""What the arrival checks will compare a path's arrived copy with, taken from the message as the path sent it.

Recorded with the path's send (`store.SentFingerprint`), because the copy arrives long after the round ended.
"""

from __future__ import annotations

from mailcanary.arrival.reading import read_message
from mailcanary.message import CanaryMessage
from mailcanary.store import SentFingerprint

__all__ = ["sent_fingerprint"]


def sent_fingerprint(canary: CanaryMessage) -> SentFingerprint:
    """Message-ID, Subject, To/Cc (as sent, addresses only) and body digest of one path's message.

    The digest is the arrival checks' own (`mailcanary.arrival.reading`), read from the bytes the path sends, so
    `delivery.headers` compares an arrived copy's digest with one made by the same rule.
    """
    return SentFingerprint(
        message_id=canary.message_id,
        subject=str(canary.message.get("Subject", "")),
        to=canary.plan.to,
        cc=canary.plan.cc,
        body_sha256=read_message(canary.raw).body_sha256,
    )
