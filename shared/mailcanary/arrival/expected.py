"""What a path sent, as the arrival checks will compare it: an `ExpectedArrival` from the bytes handed over.

Read with the same `reading.read_message` the checks apply to each arrived copy, so both sides are normalised
alike (addresses by the one normaliser, the Subject decoded, the body digest over the decoded text part).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from mailcanary.arrival.errors import ArrivalParseError
from mailcanary.arrival.model import ExpectedArrival
from mailcanary.arrival.reading import read_message
from mailcanary.recipients import normalise_envelope

__all__ = ["DEFAULT_ARRIVAL_WINDOW", "expected_arrival"]

# How long after sending a copy may arrive before `delivery.arrived` calls it late (SES inbound takes seconds).
DEFAULT_ARRIVAL_WINDOW = timedelta(minutes=15)


def expected_arrival(
    raw: bytes,
    *,
    path_name: str,
    target: str,
    sent_at: datetime,
    envelope: Sequence[str],
    deadline: datetime | None = None,
    ses_message_id: str = "",
) -> ExpectedArrival:
    """The expectation for one path from the exact bytes it sent and the envelope it used (API Destinations or
    accepted RCPT TO). `deadline` defaults to `sent_at + DEFAULT_ARRIVAL_WINDOW`; `ses_message_id` is SES's id of
    the send when the path went through SES (SES replaces the Message-ID with one made from it).

    Raises `ArrivalParseError` when the bytes are no canary: unreadable, without a Message-ID, canary id or text
    body, or with an envelope address that does not normalise.
    """
    facts = read_message(raw)
    if not facts.message_id or not facts.canary_id or not facts.body_sha256:
        raise ArrivalParseError("the sent message lacks a Message-ID, the canary header or a text body")
    if facts.recipient_problems:
        raise ArrivalParseError(f"the sent message's recipients do not parse: {facts.recipient_problems[0]}")
    normalised, findings = normalise_envelope(envelope)
    if findings:
        raise ArrivalParseError(f"envelope address unusable: {findings[0].address} ({findings[0].detail})")
    return ExpectedArrival(
        canary_id=facts.canary_id,
        path_name=path_name,
        target=target,
        sent_at=sent_at,
        deadline=deadline if deadline is not None else sent_at + DEFAULT_ARRIVAL_WINDOW,
        envelope=normalised,
        to=facts.to,
        cc=facts.cc,
        message_id=facts.message_id,
        subject=facts.subject,
        body_sha256=facts.body_sha256,
        ses_message_id=ses_message_id,
    )
