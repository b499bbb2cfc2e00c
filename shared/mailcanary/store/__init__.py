"""Canary records in DynamoDB: a canary item, an item per path advanced by conditional writes, a send item per
sent path."""

from __future__ import annotations

from mailcanary.core.checks import PathKind  # the one definition; re-exported for the records' users
from mailcanary.store.alert_state import AlertState, DynamoAlertState, OpenAlerts
from mailcanary.store.dynamo import CanaryStore, PathDecision, RecordedEvent
from mailcanary.store.errors import (
    CanaryExistsError,
    HistoryQueryError,
    HistoryTooLargeError,
    StoreError,
    TransitionConflictError,
)
from mailcanary.store.history import DEFAULT_MAX_ROUNDS, HistoryQuery, list_canaries
from mailcanary.store.records import (
    CanaryRecord,
    Effect,
    FailedCheck,
    ObservedArrival,
    ObservedEvent,
    PathRecord,
    SentFingerprint,
    SentMessage,
    new_canary,
    new_path,
    owed,
)
from mailcanary.store.schema import (
    BY_CREATED_INDEX,
    BY_PENDING_INDEX,
    BY_SES_MESSAGE_ID_INDEX,
    canary_table_definition,
    idempotency_table_definition,
)

__all__ = [
    "BY_CREATED_INDEX",
    "BY_PENDING_INDEX",
    "BY_SES_MESSAGE_ID_INDEX",
    "DEFAULT_MAX_ROUNDS",
    "AlertState",
    "CanaryExistsError",
    "CanaryRecord",
    "CanaryStore",
    "DynamoAlertState",
    "Effect",
    "FailedCheck",
    "HistoryQuery",
    "HistoryQueryError",
    "HistoryTooLargeError",
    "ObservedArrival",
    "ObservedEvent",
    "OpenAlerts",
    "PathDecision",
    "PathKind",
    "PathRecord",
    "RecordedEvent",
    "SentFingerprint",
    "SentMessage",
    "StoreError",
    "TransitionConflictError",
    "canary_table_definition",
    "idempotency_table_definition",
    "list_canaries",
    "new_canary",
    "new_path",
    "owed",
]
