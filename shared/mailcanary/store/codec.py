"""Canary records to DynamoDB items and back; the only place that knows the stored attribute names.

Timestamps are ISO 8601 strings in UTC; `deadline` and `expires_at` are whole epoch seconds (a sort key and
the TTL attribute). Optional values are left out rather than stored as NULL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from mailcanary.core.checks import CanaryState, Check, PathKind
from mailcanary.core.redaction import redact_text
from mailcanary.ses.events import BounceSubType, BounceType, EventType, RecipientStatus
from mailcanary.ses.simulator import ExpectedFate
from mailcanary.store.arrival_codec import arrival, arrival_value, fingerprint, fingerprint_value
from mailcanary.store.errors import StoreError
from mailcanary.store.records import CanaryRecord, FailedCheck, ObservedEvent, PathRecord, SentMessage
from mailcanary.store.schema import (
    CANARY_SK,
    CREATED_MS,
    EFFECTS_OWED,
    HISTORY_SHARD,
    HISTORY_SHARD_ATTRIBUTE,
    OPEN_PATHS,
    PATH_SK_PREFIX,
    PENDING_SHARD,
    SEND_SK_PREFIX,
    TTL_ATTRIBUTE,
)

__all__ = [
    "canary_from_items",
    "canary_item",
    "checks_value",
    "dump",
    "epoch_ms",
    "event_value",
    "iso",
    "load",
    "path_from_item",
    "path_item",
    "send_item",
    "sent_from_item",
]

Item = dict[str, Any]  # a low-level DynamoDB item: attribute name → AttributeValue
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()
_RECIPIENT_FIELDS = ("status", "action", "diagnostic_code")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def dump(value: object) -> Any:
    """One plain Python value (str, int, list, dict) as a DynamoDB AttributeValue."""
    return _SERIALIZER.serialize(value)


def load(item: Mapping[str, Any]) -> dict[str, Any]:
    """A low-level DynamoDB item as plain Python values (numbers come back as `Decimal`)."""
    return {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def epoch_ms(moment: datetime) -> int:
    """Whole epoch milliseconds: the `by-created` sort key (floored, so a window's bounds compare the same way)."""
    if moment.tzinfo is None:
        raise ValueError("canary timestamps must be timezone-aware")
    return (moment - _EPOCH) // _MILLISECOND  # integer arithmetic: no float rounding at the boundaries


def checks_value(checks: Iterable[FailedCheck]) -> list[dict[str, str]]:
    """The stored form of failed checks; a detail may quote a server's reply, so it passes the one redaction."""
    return [{"check": failed.check.value, "detail": redact_text(failed.detail)} for failed in checks]


def _checks(raw: Iterable[Mapping[str, str]]) -> tuple[FailedCheck, ...]:
    return tuple(FailedCheck(Check(entry["check"]), entry.get("detail", "")) for entry in raw)


def event_value(event: ObservedEvent) -> dict[str, Any]:
    """The plain-value form of one observed SES event, stored under its key in the path's `events` map."""
    value: dict[str, Any] = {
        "type": event.event_type.value,
        "destination": list(event.destination),
        "recipients": [
            {"address": rcpt.address}
            | {name: getattr(rcpt, name) for name in _RECIPIENT_FIELDS if getattr(rcpt, name) is not None}
            for rcpt in event.recipients
        ],
    }
    if event.timestamp is not None:
        value["timestamp"] = iso(event.timestamp)
    if event.bounce_type is not None:
        value["bounce_type"] = event.bounce_type.value
    if event.bounce_subtype is not None:
        value["bounce_subtype"] = event.bounce_subtype.value
    if event.header_recipients is not None:
        value["header_recipients"] = list(event.header_recipients)
    return value


def _event(key: str, raw: Mapping[str, Any]) -> ObservedEvent:
    return ObservedEvent(
        key=key,
        event_type=EventType(raw["type"]),
        timestamp=_when(raw.get("timestamp")),
        destination=tuple(raw.get("destination", ())),
        recipients=tuple(
            RecipientStatus(entry["address"], *(entry.get(name) for name in _RECIPIENT_FIELDS))
            for entry in raw.get("recipients", ())
        ),
        bounce_type=BounceType(raw["bounce_type"]) if "bounce_type" in raw else None,
        bounce_subtype=BounceSubType(raw["bounce_subtype"]) if "bounce_subtype" in raw else None,
        header_recipients=tuple(raw["header_recipients"]) if "header_recipients" in raw else None,
    )


def canary_item(canary: CanaryRecord, *, expires_at: datetime) -> Item:
    """The canary item; a pending one carries `pending_shard` so the sparse `by-pending` index lists it, and
    every one `history_shard` and `created_ms` so `by-created` lists it in time order."""
    value: dict[str, Any] = {
        "pk": canary.canary_id,
        "sk": CANARY_SK,
        "state": canary.state.value,
        "created_at": iso(canary.created_at),
        HISTORY_SHARD_ATTRIBUTE: HISTORY_SHARD,
        CREATED_MS: epoch_ms(canary.created_at),
        "deadline": _epoch(canary.deadline),
        "paths": [path.name for path in canary.paths],
        OPEN_PATHS: sum(not path.state.terminal for path in canary.paths),
        "failed_checks": checks_value(canary.failed_checks),
        "version": canary.version,
        TTL_ATTRIBUTE: _epoch(expires_at),
    }
    if canary.state is CanaryState.PENDING or canary.effects_owed:  # listed for the sweeper (`store.schema`)
        value["pending_shard"] = PENDING_SHARD
    if canary.decided_at is not None:
        value["decided_at"] = iso(canary.decided_at)
    if canary.effects_owed:  # DynamoDB has no empty set
        value[EFFECTS_OWED] = set(canary.effects_owed)
    return {name: dump(attr) for name, attr in value.items()}


def path_item(path: PathRecord, *, expires_at: datetime) -> Item:
    """A path item: the path's plan, state, SES events and decision (what it sent is in its send item)."""
    value: dict[str, Any] = {
        "pk": path.canary_id,
        "sk": PATH_SK_PREFIX + path.name,
        "path": path.name,
        "kind": path.kind.value,
        "target": path.target,
        "envelope": list(path.envelope),
        "expected": _expected_value(path.expected),
        "events": {event.key: event_value(event) for event in path.events},
        "arrivals": {arrival.key: arrival_value(arrival) for arrival in path.arrivals},
        "state": path.state.value,
        "failed_checks": checks_value(path.failed_checks),
        "deadline": _epoch(path.deadline),
        "version": path.version,
        TTL_ATTRIBUTE: _epoch(expires_at),
    }
    if path.header_recipients:
        value["header_recipients"] = list(path.header_recipients)
    if path.decided_at is not None:
        value["decided_at"] = iso(path.decided_at)
    if path.effects_owed:  # DynamoDB has no empty set
        value[EFFECTS_OWED] = set(path.effects_owed)
    return {name: dump(attr) for name, attr in value.items()}


def send_item(sent: SentMessage, *, expires_at: datetime) -> Item:
    """The send item of one path: the only item carrying `ses_message_id`, so the index lists it.

    A send without an SES message id (a target that is not SES) leaves the attribute out: an index key cannot
    be empty, and such a send is found by its canary id, never by the index.
    """
    value: dict[str, Any] = {
        "pk": sent.canary_id,
        "sk": SEND_SK_PREFIX + sent.path_name,
        "path": sent.path_name,
        "sent_at": iso(sent.sent_at),
        "envelope": list(sent.envelope),
        "expected": _expected_value(sent.expected),
        TTL_ATTRIBUTE: _epoch(expires_at),
    }
    if sent.ses_message_id:
        value["ses_message_id"] = sent.ses_message_id
    if sent.fingerprint is not None:
        value["fingerprint"] = fingerprint_value(sent.fingerprint)
    if sent.awaits_arrival:
        value["awaits_arrival"] = True
    return {name: dump(attr) for name, attr in value.items()}


def sent_from_item(item: Mapping[str, Any]) -> SentMessage:
    """A send from its stored item."""
    raw = load(item)
    try:
        return SentMessage(
            canary_id=raw["pk"],
            path_name=raw["path"],
            ses_message_id=raw.get("ses_message_id", ""),
            sent_at=datetime.fromisoformat(raw["sent_at"]),
            envelope=tuple(raw.get("envelope", ())),
            expected=_expected(raw),
            fingerprint=fingerprint(raw.get("fingerprint")),
            awaits_arrival=bool(raw.get("awaits_arrival", False)),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise StoreError(f"malformed send item {raw.get('pk')!r}/{raw.get('sk')!r}: {exc!r}") from exc


def _expected_value(expected: Iterable[tuple[str, ExpectedFate]]) -> dict[str, str]:
    return {rcpt: outcome.value for rcpt, outcome in expected}


def _expected(raw: Mapping[str, Any]) -> tuple[tuple[str, ExpectedFate], ...]:
    return tuple(sorted((rcpt, ExpectedFate(out)) for rcpt, out in raw.get("expected", {}).items()))


def path_from_item(item: Mapping[str, Any]) -> PathRecord:
    """A path record from its stored item; a malformed item raises `StoreError`."""
    raw = load(item)
    try:
        return PathRecord(
            canary_id=raw["pk"],
            name=raw["path"],
            kind=PathKind(raw["kind"]),
            target=raw["target"],
            deadline=datetime.fromtimestamp(int(raw["deadline"]), tz=UTC),
            envelope=tuple(raw.get("envelope", ())),
            expected=_expected(raw),
            state=CanaryState(raw["state"]),
            failed_checks=_checks(raw.get("failed_checks", ())),
            events=tuple(_event(key, raw["events"][key]) for key in sorted(raw.get("events", {}))),
            decided_at=_when(raw.get("decided_at")),
            version=int(raw.get("version", 0)),
            header_recipients=tuple(raw.get("header_recipients", ())),
            effects_owed=frozenset(raw.get(EFFECTS_OWED, ())),
            arrivals=tuple(arrival(key, raw["arrivals"][key]) for key in sorted(raw.get("arrivals", {}))),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise StoreError(f"malformed path item {raw.get('pk')!r}/{raw.get('sk')!r}: {exc!r}") from exc


def canary_from_items(items: Iterable[Mapping[str, Any]]) -> CanaryRecord | None:
    """The canary record from all items under one `pk`; None when the canary item itself is absent."""
    head: dict[str, Any] | None = None
    paths: dict[str, PathRecord] = {}
    sends: list[SentMessage] = []
    for item in items:
        sort_key = item["sk"]["S"]
        if sort_key == CANARY_SK:
            head = load(item)
        elif sort_key.startswith(SEND_SK_PREFIX):
            sends.append(sent_from_item(item))
        else:
            path = path_from_item(item)
            paths[path.name] = path
    if head is None:
        return None
    for sent in sends:  # a send whose path is missing is caught below, with the path list of the canary item
        if sent.path_name in paths:
            paths[sent.path_name] = paths[sent.path_name].with_sent(sent)
    try:
        return CanaryRecord(
            canary_id=head["pk"],
            created_at=datetime.fromisoformat(head["created_at"]),
            deadline=datetime.fromtimestamp(int(head["deadline"]), tz=UTC),
            paths=tuple(paths[name] for name in head["paths"]),
            state=CanaryState(head["state"]),
            failed_checks=_checks(head.get("failed_checks", ())),
            decided_at=_when(head.get("decided_at")),
            version=int(head.get("version", 0)),
            effects_owed=frozenset(head.get(EFFECTS_OWED, ())),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise StoreError(f"malformed canary item {head.get('pk')!r}: {exc!r}") from exc
