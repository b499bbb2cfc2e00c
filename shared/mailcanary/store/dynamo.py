"""`CanaryStore`: canary records in DynamoDB, moved along `pending → passed | failed | lost` exactly once.

Every change of state is a conditional write: an SES event is recorded only if its key is new on the path, and a state
leaves `pending` only while it still is `pending`. A duplicate or late SNS delivery therefore can neither
double-apply nor move a record backwards, however many Lambda invocations race on it. Terminal is terminal:
a canary swept `lost` stays lost even if its Delivery arrives afterwards (the event is still recorded).
What a path sent is no state but a fact: its send item is written once, unconditionally, beside the path.
"""

from __future__ import annotations

from mailcanary.store.creation import StoreCreation
from mailcanary.store.decisions import StoreDecisions
from mailcanary.store.history import StoreHistory
from mailcanary.store.table import DEFAULT_RETENTION
from mailcanary.store.updates import PathDecision, RecordedEvent, StorePathUpdates

__all__ = ["DEFAULT_RETENTION", "CanaryStore", "PathDecision", "RecordedEvent"]


class CanaryStore(StoreCreation, StorePathUpdates, StoreDecisions, StoreHistory):
    """Reads and conditional writes of canary records; the DynamoDB client and the table name are passed in.

    `CanaryStore(client, table_name, *, retention=DEFAULT_RETENTION)`. One class for callers; its parts live
    one concern per module: `reads` (get, progress, find_send, overdue), `creation` (create), `updates` (a path's send,
    events and decision), `decisions` (a canary's decision, mark_lost),
    `history` (rounds in time order), all on `table.TableAccess`.
    """
