"""Decide one path from what SES reported: still waiting, passed, or failed with named checks.

Pure and order-free: the verdict depends only on the *set* of recorded events, never on the order SNS
delivered them in, so duplicates and reordering cannot change it. A path is decided once every expected
recipient has its outcome; a recipient is done when all its expected events arrived or an event ruled the
expectation out (an unexpected bounce or complaint, a delivery where a bounce was due). A Reject or Rendering
Failure ends the whole message, and a recipient missing from SES's `mail.destination` will never get an event.
Addresses are compared in the one comparison form of `mailcanary.recipients.normalise` (local part as given,
domain as its IDNA 2008 A-label), the same rule the send-time `recipients.header_vs_envelope` check applies.
An address SES reports that cannot be parsed at all (e.g. a thousand nested comments) ends the path too, as a
`recipients.delivered` failure: SES's report can no longer be compared with the envelope, and evaluating it
again must never raise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mailcanary.core.checks import CanaryState, Check
from mailcanary.decide.expectations import Expectation, expectation_for
from mailcanary.ses.events import EventType, RecipientStatus
from mailcanary.store.records import FailedCheck, ObservedEvent, PathRecord

__all__ = ["PathEvaluation", "comparable", "evaluate"]

_EXCERPT = 40  # characters of an unparsable address quoted in a failure detail

_MESSAGE_FAILURES = {
    EventType.REJECT: (Check.OUTCOME_REJECT, "SES rejected the message (virus or policy) and sent it to nobody"),
    EventType.RENDERING_FAILURE: (Check.OUTCOME_RENDERING_FAILURE, "SES could not render the message template"),
}


@dataclass(frozen=True, slots=True)
class PathEvaluation:
    """The verdict on one path so far; `waiting` names each recipient still owed an event, and which."""

    complete: bool
    failed: tuple[FailedCheck, ...]
    waiting: tuple[str, ...] = ()

    @property
    def state(self) -> CanaryState:
        if not self.complete:
            return CanaryState.PENDING
        return CanaryState.FAILED if self.failed else CanaryState.PASSED


def _normalised(address: str) -> str | None:
    """The comparison form of an address (display name dropped); None when it cannot be read at all."""
    # The header registry behind the normaliser costs the SES-events and sweeper functions about 15% of their
    # cold start; it is loaded by the first evaluation instead (as reconcile does for SES's header copy).
    from mailcanary.recipients import RecipientError, normalise

    try:
        return normalise(address)
    except RecipientError:
        return None


def comparable(address: str) -> str:
    """The comparison form of an address we sent to; one we could not read stays as it was given (stripped)."""
    normalised = _normalised(address)
    return normalised if normalised is not None else address.strip()


def _unparsable(events: Iterable[ObservedEvent]) -> str:
    """A failure detail naming the addresses in SES's report that cannot be parsed; empty when there are none."""
    reported = {address for event in events for address in event.destination}
    reported |= {status.address for event in events for status in event.recipients}
    bad = sorted(address for address in reported if _normalised(address) is None)
    if not bad:
        return ""
    first = bad[0]
    excerpt = first[:_EXCERPT] + (f"... ({len(first)} characters)" if len(first) > _EXCERPT else "")
    return f"SES reported {len(bad)} address(es) that cannot be parsed, e.g. {excerpt!r}"


def _judge(
    rcpt: str, expectation: Expectation, observed: Sequence[tuple[ObservedEvent, RecipientStatus]]
) -> tuple[bool, list[FailedCheck]]:
    """(done, failures) for one recipient given the events that name it."""
    seen = {event.event_type for event, _ in observed}
    failures: list[FailedCheck] = []
    ruled_out = False
    for event, status in observed:
        if event.event_type is EventType.BOUNCE:
            got = f"Bounce {event.bounce_type}/{event.bounce_subtype} {status.status or ''}".rstrip()
            matches = (
                expectation.bounces
                and (event.bounce_type, event.bounce_subtype) == (expectation.bounce_type, expectation.bounce_subtype)
                and expectation.status in (None, status.status)
            )
            if not matches:
                why = f" ({status.diagnostic_code})" if status.diagnostic_code else ""
                detail = f"{rcpt}: expected {expectation.describe()}, SES reported {got}{why}"
                failures.append(FailedCheck(Check.OUTCOME_UNEXPECTED_BOUNCE, detail))
                ruled_out = True
        elif event.event_type is EventType.COMPLAINT and EventType.COMPLAINT not in expectation.required:
            detail = f"{rcpt}: expected {expectation.describe()}, SES reported a Complaint"
            failures.append(FailedCheck(Check.OUTCOME_UNEXPECTED_COMPLAINT, detail))
            ruled_out = True
        elif event.event_type is EventType.DELIVERY and expectation.bounces:
            detail = f"{rcpt}: expected {expectation.describe()}, SES reported Delivery"
            failures.append(FailedCheck(Check.OUTCOME_MISSING_EVENT, detail))
            ruled_out = True
    return ruled_out or expectation.required <= seen, failures


def _destination_check(events: Iterable[ObservedEvent], envelope: set[str], about: set[str]) -> tuple[set[str], str]:
    """Envelope recipients SES did not list, and a failure detail when SES's recipients differ from the envelope."""
    missing: set[str] = set()
    extra = about - envelope
    for event in events:
        if event.destination:
            # an unparsable address is reported apart (`_unparsable`)
            delivered = {bare for address in event.destination if (bare := _normalised(address)) is not None}
            missing |= envelope - delivered
            extra |= delivered - envelope
    if not missing and not extra:
        return missing, ""
    parts = [f"missing {sorted(missing)}" if missing else "", f"unexpected {sorted(extra)}" if extra else ""]
    return missing, "SES mail.destination differs from the envelope: " + ", ".join(part for part in parts if part)


def _header_check(path: PathRecord) -> str:
    """A failure detail when the message SES received names other To/Cc recipients than the path sent.

    Catches a relay or endpoint that altered the headers on the way (e.g. stripped the Cc): the envelope may
    still be right, but the recipients would see a different message than the one sent.
    """
    if not path.header_recipients:
        return ""
    sent = {comparable(address) for address in path.header_recipients}
    missing: set[str] = set()
    extra: set[str] = set()
    for event in path.events:
        if event.header_recipients is not None:
            received = {comparable(address) for address in event.header_recipients}
            missing |= sent - received
            extra |= received - sent
    if not missing and not extra:
        return ""
    parts = [f"missing {sorted(missing)}" if missing else "", f"unexpected {sorted(extra)}" if extra else ""]
    return "To/Cc of the message SES received differ from those sent: " + ", ".join(part for part in parts if part)


def evaluate(path: PathRecord) -> PathEvaluation:
    """Where `path` stands given every event recorded on it."""
    failures: list[FailedCheck] = []
    message_over = False
    for event_type, (check, detail) in _MESSAGE_FAILURES.items():
        if any(event.event_type is event_type for event in path.events):
            failures.append(FailedCheck(check, detail))
            message_over = True
    poisoned = _unparsable(path.events)
    if poisoned:
        failures.append(FailedCheck(Check.RECIPIENTS_DELIVERED, poisoned))
        message_over = True  # what SES did cannot be compared with the envelope any more: nothing to wait for

    by_rcpt: dict[str, list[tuple[ObservedEvent, RecipientStatus]]] = defaultdict(list)
    for event in path.events:
        for status in event.recipients:
            rcpt = _normalised(status.address)
            if rcpt is not None:  # an unparsable one is reported apart
                by_rcpt[rcpt].append((event, status))

    envelope = {comparable(address) for address in path.envelope}
    never_sent, mismatch = _destination_check(path.events, envelope, set(by_rcpt))
    if mismatch:
        failures.append(FailedCheck(Check.RECIPIENTS_DELIVERED, mismatch))
    altered = _header_check(path)
    if altered:
        failures.append(FailedCheck(Check.RECIPIENTS_DELIVERED, altered))

    waiting: list[str] = []
    for address, outcome in path.expected:
        rcpt = comparable(address)
        expectation = expectation_for(outcome)
        done, rcpt_failures = _judge(rcpt, expectation, by_rcpt.get(rcpt, ()))
        failures += rcpt_failures
        if not (done or message_over or rcpt in never_sent):
            missing = expectation.required - {event.event_type for event, _ in by_rcpt.get(rcpt, ())}
            waiting.append(f"{rcpt}: no {' + '.join(sorted(missing))} yet")
    ordered = tuple(sorted(set(failures), key=lambda failed: (failed.check.value, failed.detail)))
    return PathEvaluation(complete=not waiting, failed=ordered, waiting=tuple(waiting))
