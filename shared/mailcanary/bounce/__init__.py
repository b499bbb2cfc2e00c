"""Bounce messages: RFC 3464 DSNs and the non-standard dialects real MTAs send, one taxonomy of reasons."""

from __future__ import annotations

from mailcanary.bounce.errors import BounceError, BounceParseError, BounceTooDeepError, BounceTooLargeError
from mailcanary.bounce.model import BouncedRecipient, BounceKind, BounceReport
from mailcanary.bounce.parse import parse_bounce
from mailcanary.bounce.reasons import Classification, Reason, best_status, classify

__all__ = [
    "BounceError",
    "BounceKind",
    "BounceParseError",
    "BounceReport",
    "BounceTooDeepError",
    "BounceTooLargeError",
    "BouncedRecipient",
    "Classification",
    "Reason",
    "best_status",
    "classify",
    "parse_bounce",
]
