"""What the arrival checks will compare a path's arrived copy with, taken from the message as the path sent it.

Recorded with the path's send (`store.SentFingerprint`), because the copy arrives long after the round ended.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage

from mailcanary.message import CanaryMessage
from mailcanary.store import SentFingerprint

__all__ = ["body_sha256", "sent_fingerprint"]


def body_sha256(message: EmailMessage) -> str:
    """The hex SHA-256 of the decoded text body, its lines joined with LF (line endings are transport's business).

    Empty text when the message has no text part, so a copy that lost its body still differs from one sent with
    a body.
    """
    part = message.get_body(preferencelist=("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    return hashlib.sha256("\n".join(str(text).splitlines()).encode("utf-8", "surrogateescape")).hexdigest()


def sent_fingerprint(canary: CanaryMessage) -> SentFingerprint:
    """Message-ID, Subject, To/Cc (as sent, addresses only) and body digest of one path's message."""
    return SentFingerprint(
        message_id=canary.message_id,
        subject=str(canary.message.get("Subject", "")),
        to=canary.plan.to,
        cc=canary.plan.cc,
        body_sha256=body_sha256(canary.message),
    )
