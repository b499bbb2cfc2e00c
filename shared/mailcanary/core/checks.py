"""Stable check names and verdicts shared by the canary, the reconciler, metrics, alarms, alerts and the CLI.

A check name never changes once released: it is a metric dimension, an alarm, an alert subject and a
column in the CLI output at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["CanaryState", "Check", "PathKind", "Verdict"]


class Check(StrEnum):
    """Every check mailcanary performs, by its stable name."""

    SMTP_SEQUENCE = "smtp.sequence"
    SMTP_TRANSPORT = "smtp.transport"
    SMTP_CONFORMANCE = "smtp.conformance"
    SMTP_CONFIGURED = "smtp.configured"  # the target's credentials were stored (not the stack's placeholder)
    SES_API = "ses.api"
    RECIPIENTS_HEADER_VS_ENVELOPE = "recipients.header_vs_envelope"
    RECIPIENTS_DELIVERED = "recipients.delivered"
    OUTCOME_UNEXPECTED_BOUNCE = "outcome.unexpected_bounce"
    OUTCOME_UNEXPECTED_COMPLAINT = "outcome.unexpected_complaint"
    OUTCOME_REJECT = "outcome.reject"
    OUTCOME_RENDERING_FAILURE = "outcome.rendering_failure"
    OUTCOME_MISSING_EVENT = "outcome.missing_event"
    DELIVERY_ARRIVED = "delivery.arrived"  # each intended recipient's copy arrived before the deadline
    DELIVERY_HEADERS = "delivery.headers"  # To/Cc as sent, no Bcc, Message-ID, Subject and body digest intact
    DELIVERY_ENVELOPE = "delivery.envelope"  # the receiving side's recipients match the path's envelope
    DELIVERY_AUTHENTICATION = "delivery.authentication"  # SPF, DKIM, DMARC pass; our DKIM check
    DELIVERY_PLACEMENT = "delivery.placement"  # filed in the inbox, not spam/junk
    LOST = "lost"


class PathKind(StrEnum):
    """How a path hands the canary to SES: the record's kind and the `Path` metric dimension's only values
    (the dashboard relies on that)."""

    API = "api"
    SMTP = "smtp"


class CanaryState(StrEnum):
    """A canary's lifecycle: pending until every expected outcome is in, then exactly one terminal state."""

    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    LOST = "lost"

    @property
    def terminal(self) -> bool:
        return self is not CanaryState.PENDING


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of one check on one path: passed or not, with what was expected and what was observed."""

    check: Check
    passed: bool
    path: str
    detail: str = ""
    expected: object = None
    observed: object = None
    evidence: tuple[str, ...] = field(default_factory=tuple)
