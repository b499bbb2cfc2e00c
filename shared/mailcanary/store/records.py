"""The canary records: what one canary round sent on each path, what SES should report, what it did report.

Plain frozen dataclasses; only `codec.py` knows how they look in DynamoDB.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from mailcanary.core.checks import CanaryState, Check, PathKind
from mailcanary.ses.events import BounceSubType, BounceType, EventType, RecipientStatus
from mailcanary.ses.simulator import ExpectedFate, expected_fate

__all__ = [
    "DEFAULT_LOST_AFTER",
    "CanaryRecord",
    "Effect",
    "FailedCheck",
    "ObservedArrival",
    "ObservedEvent",
    "PathRecord",
    "SentFingerprint",
    "SentMessage",
    "new_canary",
    "new_path",
    "owed",
]

DEFAULT_LOST_AFTER = timedelta(minutes=15)


class Effect(StrEnum):
    """A side effect a stored change owes the outside world, kept on the item (`effects_owed`) until delivered.

    Metrics go to stdout and alerts to SNS, neither of which can join a DynamoDB write; so the write that makes
    the change also records what it owes, and a later write deletes it once delivered. Whoever finds an effect
    still owed under its own name (a Lambda retry of the same SES event, the next sweep) delivers it.
    """

    EVENT_METRICS = "event"  # DeliveryLatency / Bounce / LateSesEvent of recording one SES event
    METRICS = "metrics"  # CanaryPassed or CanaryFailed + CheckFailed of a decision
    ALERT = "alert"  # the decision's alert (or, for a pass, clearing the late checks' open alerts)
    COUNT_DOWN = "count"  # the canary's `open_paths` count-down for this path (owed to no one in particular)


def owed(effect: Effect, owner: str = "") -> str:
    """The stored token of `effect` owed by `owner` (an SES event key, or `sweep`)."""
    return f"{effect.value}@{owner}"


@dataclass(frozen=True, slots=True)
class FailedCheck:
    """One failed check on a path (or the whole canary), with the evidence in one line."""

    check: Check
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ObservedEvent:
    """One SES event as recorded on its path; `key` identifies the SES event across SNS redeliveries."""

    key: str
    event_type: EventType
    timestamp: datetime | None
    destination: tuple[str, ...]
    recipients: tuple[RecipientStatus, ...] = ()
    bounce_type: BounceType | None = None
    bounce_subtype: BounceSubType | None = None
    header_recipients: tuple[str, ...] | None = None  # To/Cc of the message as SES received it; None: no headers


@dataclass(frozen=True, slots=True)
class ObservedArrival:
    """One arrived copy (or one receiver's batch of copies) as recorded on its path; `key` identifies it across
    redeliveries. The copy's bytes are not kept: what the checks found in them is the path's decision."""

    key: str
    received_at: datetime
    receiver: str  # a `mailcanary.arrival.model.ReceiverKind` value
    envelope_recipients: tuple[str, ...] = ()
    location: str = ""  # where the copy was read (s3://..., imaps://...), for evidence
    findings: tuple[FailedCheck, ...] = ()  # what the checks found wrong in the copy's own bytes when it arrived


@dataclass(frozen=True, slots=True)
class SentFingerprint:
    """What the arrival checks compare an arrived copy with, taken from the message as the path sent it.

    `body_sha256` is the hex digest of the decoded text body as sent.
    """

    message_id: str
    subject: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    body_sha256: str


@dataclass(frozen=True, slots=True)
class SentMessage:
    """What one path really handed over: the SES message id, when, and to whom SES was asked to deliver.

    Stored as an item of its own beside its path's item and never changed afterwards (a fact, not a state),
    so recording it needs no condition and many go in one `BatchWriteItem`. `envelope` is what the path really
    used; `expected` holds the outcome each of those recipients must reach. A path whose target is not SES has
    no SES message id (empty) and, with a receiver configured, `awaits_arrival`: it is decided when its copy
    arrives (or by the sweep when none did). `fingerprint` is what the arrival checks compare (None: not
    recorded, e.g. a send item written before fingerprints were kept).
    """

    canary_id: str
    path_name: str
    ses_message_id: str
    sent_at: datetime
    envelope: tuple[str, ...]
    expected: tuple[tuple[str, ExpectedFate], ...]
    fingerprint: SentFingerprint | None = None
    awaits_arrival: bool = False


@dataclass(frozen=True, slots=True)
class PathRecord:
    """One send path of a canary: where it sent, to whom SES was really asked to deliver, and what came back.

    `envelope` is what the path really used (API Destinations, or the RCPT TO addresses the server accepted);
    `expected` holds the outcome each of those recipients must reach. `header_recipients` are the To/Cc
    addresses of the message the path sent (empty: not recorded, so not compared with what SES received).
    """

    canary_id: str
    name: str
    kind: PathKind
    target: str
    deadline: datetime
    envelope: tuple[str, ...] = ()
    expected: tuple[tuple[str, ExpectedFate], ...] = ()
    ses_message_id: str | None = None
    sent_at: datetime | None = None
    state: CanaryState = CanaryState.PENDING
    failed_checks: tuple[FailedCheck, ...] = ()
    events: tuple[ObservedEvent, ...] = ()  # ordered by key: the order SNS delivered them in carries no meaning
    decided_at: datetime | None = None
    version: int = 0
    header_recipients: tuple[str, ...] = ()
    effects_owed: frozenset[str] = frozenset()  # `owed(...)` tokens not delivered yet
    arrivals: tuple[ObservedArrival, ...] = ()  # ordered by key, like `events`
    fingerprint: SentFingerprint | None = None  # from the send item
    awaits_arrival: bool = False  # from the send item: decided by its arrival, not by SES's events

    @property
    def sent(self) -> SentMessage | None:
        """This path's send, once it has a message id (empty for a target that is not SES) and a send time."""
        if self.ses_message_id is None or self.sent_at is None:
            return None
        return self.sent_as(self.ses_message_id, self.sent_at, self.fingerprint, awaits_arrival=self.awaits_arrival)

    def sent_as(
        self,
        ses_message_id: str,
        sent_at: datetime,
        fingerprint: SentFingerprint | None = None,
        *,
        awaits_arrival: bool = False,
    ) -> SentMessage:
        """The send of this path (its envelope and expectations) under the message id SES gave it."""
        return SentMessage(
            self.canary_id,
            self.name,
            ses_message_id,
            sent_at,
            self.envelope,
            self.expected,
            fingerprint,
            awaits_arrival,
        )

    def with_sent(self, sent: SentMessage) -> PathRecord:
        """This path with its send attached (the path item and the send item read together)."""
        return replace(
            self,
            ses_message_id=sent.ses_message_id,
            sent_at=sent.sent_at,
            envelope=sent.envelope,
            expected=sent.expected,
            fingerprint=sent.fingerprint,
            awaits_arrival=sent.awaits_arrival,
        )


@dataclass(frozen=True, slots=True)
class CanaryRecord:
    """One canary round: its paths and its single state, decided once."""

    canary_id: str
    created_at: datetime
    deadline: datetime
    paths: tuple[PathRecord, ...]
    state: CanaryState = CanaryState.PENDING
    failed_checks: tuple[FailedCheck, ...] = ()
    decided_at: datetime | None = None
    version: int = 0
    effects_owed: frozenset[str] = frozenset()  # a swept canary's `owed(..., "sweep")` tokens not delivered yet

    def path(self, name: str) -> PathRecord | None:
        """The path called `name`, if this canary has one."""
        return next((path for path in self.paths if path.name == name), None)


def _whole_second(moment: datetime) -> datetime:
    """Deadlines are kept in whole epoch seconds (they are a DynamoDB index key); round up, never early."""
    if moment.tzinfo is None:
        raise ValueError("canary timestamps must be timezone-aware")
    return datetime.fromtimestamp(math.ceil(moment.timestamp()), tz=UTC)


def new_path(
    canary_id: str,
    name: str,
    kind: PathKind,
    target: str,
    *,
    deadline: datetime,
    envelope: Iterable[str] = (),
    ses_message_id: str | None = None,
    sent_at: datetime | None = None,
    expected: Mapping[str, ExpectedFate] | None = None,
    header_recipients: Iterable[str] = (),
) -> PathRecord:
    """A pending path; each envelope recipient expects its simulator outcome unless `expected` says otherwise."""
    recipients = tuple(envelope)
    outcomes = dict(expected) if expected is not None else {rcpt: expected_fate(rcpt) for rcpt in recipients}
    return PathRecord(
        canary_id=canary_id,
        name=name,
        kind=kind,
        target=target,
        deadline=_whole_second(deadline),
        envelope=recipients,
        expected=tuple(sorted(outcomes.items())),
        ses_message_id=ses_message_id,
        sent_at=sent_at,
        header_recipients=tuple(header_recipients),
    )


def new_canary(
    canary_id: str,
    paths: Iterable[PathRecord],
    *,
    created_at: datetime,
    lost_after: timedelta = DEFAULT_LOST_AFTER,
) -> CanaryRecord:
    """A pending canary whose deadline is `created_at + lost_after`; the paths keep their own deadlines."""
    built = tuple(paths)
    if not built:
        raise ValueError("a canary needs at least one path")
    if len({path.name for path in built}) != len(built):
        raise ValueError("path names must be unique within a canary")
    if any(path.canary_id != canary_id for path in built):
        raise ValueError("every path must belong to the canary")
    return CanaryRecord(
        canary_id=canary_id,
        created_at=created_at,
        deadline=_whole_second(created_at + lost_after),
        paths=built,
    )
