"""What a receiver hands to the arrival checks: one arrived copy of a canary, as the receiving side saw it.

Every receiver (SES inbound receipt, IMAP mailbox) produces `ArrivedMessage` values; the checks in this package
read only these. The raw bytes are untrusted input and already size-bounded by the receiver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from mailcanary.core.checks import Verdict
from mailcanary.message.build import CANARY_ID_HEADER

__all__ = [
    "CANARY_HEADER",
    "MAX_ARRIVED_BYTES",
    "ArrivalJudge",
    "ArrivedMessage",
    "AuthVerdict",
    "DkimResult",
    "DkimStatus",
    "ExpectedArrival",
    "Placement",
    "Receiver",
    "ReceiverKind",
]

# The canary's own header, set on every message the round sends; receivers search for it.
CANARY_HEADER = CANARY_ID_HEADER

# Larger arrivals are refused by the receiver as "too large" before any parsing (a canary is a few KiB).
MAX_ARRIVED_BYTES = 10 * 1024 * 1024
_SES_DOMAIN = "amazonses.com"


class ReceiverKind(StrEnum):
    """Where a copy was read: the `Receiver` metric dimension's only values."""

    SES_INBOUND = "ses-inbound"
    IMAP = "imap"


class Placement(StrEnum):
    """The folder a copy was filed in, as the receiver saw it (SES inbound has no folders: always inbox)."""

    INBOX = "inbox"
    SPAM = "spam"


class AuthVerdict(StrEnum):
    """One authentication verdict the receiving side reported (SES receipt verdicts, RFC 8601 results)."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    NONE = "none"
    NEUTRAL = "neutral"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"
    GRAY = "gray"  # SES: could not decide
    PROCESSING_FAILED = "processing_failed"  # SES


class DkimStatus(StrEnum):
    """Our own DKIM verification of the arrived bytes (`mailcanary.arrival.dkim`)."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"  # signed, but no signature verifies (the reason says why: body hash, headers, no key)
    NONE = "none"  # not signed at all
    TEMPERROR = "temperror"  # the signer's key could not be looked up now (DNS timeout, no name server)


@dataclass(frozen=True, slots=True)
class DkimResult:
    """The outcome of our DKIM verification; `domain`/`selector` name the signature that decided it."""

    status: DkimStatus
    reason: str = ""
    domain: str = ""
    selector: str = ""


@dataclass(frozen=True, slots=True)
class ArrivedMessage:
    """One arrived copy: the bytes as received plus what the receiving side said about them.

    `envelope_recipients` is the receiving side's view of who the copy was for (SES `receipt.recipients`,
    or `Delivered-To`/`X-Original-To` for a mailbox); `receiver_verdicts` maps "spf", "dkim", "dmarc", "spam",
    "virus" to the receiving side's verdict, empty when it reported none.
    """

    raw: bytes
    receiver: ReceiverKind
    received_at: datetime
    placement: Placement = Placement.INBOX
    envelope_recipients: tuple[str, ...] = ()
    receiver_verdicts: dict[str, AuthVerdict] = field(default_factory=dict)
    location: str = ""  # where the copy was read (s3://bucket/key, imaps://host/folder;UID=n) for evidence
    dkim: DkimResult | None = None  # our own verification of `raw` (`arrival.dkim.with_own_dkim`); None: not run


@dataclass(frozen=True, slots=True)
class ExpectedArrival:
    """What one path sent, as the arrival checks compare it: recorded at send time with the path's send.

    `envelope` is the path's real envelope (API Destinations or accepted RCPT TO); `to`/`cc` the header
    recipients as sent; `body_sha256` the hex digest of the decoded text body as sent.
    """

    canary_id: str
    path_name: str
    target: str
    sent_at: datetime
    deadline: datetime  # arrival after this is `delivery.arrived` failed (late), absence at it is "never arrived"
    envelope: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    message_id: str
    subject: str
    body_sha256: str
    # SES replaces a sent Message-ID with its own, `<ses_message_id@<region>.amazonses.com>` (documented under
    # "Amazon SES header fields"; moto keeps ours): set for paths through SES, so either form is "as sent".
    ses_message_id: str = ""

    def sent_message_id(self, value: str) -> bool:
        """Whether `value` is this path's Message-ID as sent: ours, or the one SES put in its place."""
        value = value.strip()
        if value == self.message_id:
            return True
        if not self.ses_message_id:
            return False
        local, at, domain = value.removeprefix("<").removesuffix(">").partition("@")
        domain = domain.lower()
        return (
            bool(at) and local == self.ses_message_id and (domain == _SES_DOMAIN or domain.endswith("." + _SES_DOMAIN))
        )


class ArrivalJudge(Protocol):
    """The arrival checks: `mailcanary.arrival.checks.judge_arrival` has this shape."""

    def __call__(
        self, expected: ExpectedArrival, copies: Sequence[ArrivedMessage], *, now: datetime
    ) -> tuple[Verdict, ...]:
        """One verdict per delivery check that applies (placement only where the receiver has folders)."""
        ...


class Receiver(Protocol):
    """Fetches the arrived copies (and returned bounces) of canaries; bounded in time and in messages."""

    kind: ReceiverKind

    def fetch(self, canary_ids: Sequence[str], *, deadline: float) -> Sequence[ArrivedMessage]:
        """Copies whose canary header names one of `canary_ids`, read before the monotonic `deadline`."""
        ...
