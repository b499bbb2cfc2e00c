"""The canary table and the idempotency table: key names, indexes and TTL, shared with template.yaml.

Canary table (on-demand):
- `pk` (S) = canary id, `sk` (S) = `canary` for the canary item, `path#<name>` for each path item (its state,
  the SES events seen, its decision), `send#<name>` for each path's send item (the message id SES gave it,
  when, to whom: written once, right after the send, never updated).
- GSI `by-ses-message-id`: partition key `ses_message_id` (S), projection ALL. Only send items carry the
  attribute, so the index holds exactly the paths SES has a message id for, from either path kind, and a hit
  is the whole send.
- GSI `by-pending`: partition key `pending_shard` (S), sort key `deadline` (N), projection ALL. Sparse: only a
  canary item still `pending` (or swept `lost` with its effects still owed, below) carries `pending_shard`; the
  write that decides it removes the attribute. The
  sweeper queries `pending_shard = "pending" AND deadline <= now` and reads only overdue canaries. One shard
  value is enough: a canary round every few minutes is orders of magnitude below one partition's limits.
- `open_paths` (N) on the canary item: how many of its paths are still undecided, counted down by each path
  decision. It spares the reconciler a read of the whole canary after every path decision but the last. The
  count-down is its own conditional write after the path's decision: it adds the path's name to
  `counted_paths` (SS) in the same update and only if the name is not there yet, so a retry after a crash in
  between completes it exactly once (the path item says it is owed, below). Still a hint, not the truth (the
  path items are): the sweeper settles a canary whose count stayed too high at its deadline from its paths.
- `effects_owed` (SS) on a path item: what a stored change still owes the outside world, written in the same
  conditional update as the change and deleted once delivered (`store.records.Effect`): `event@<key>` (the
  metrics of recording SES event <key>), `metrics@<key>` and `alert@<key>` (the path's decision, taken while
  processing event <key>), `count@` (the count-down above). On a canary item swept `lost`, `metrics@sweep` and
  `alert@sweep`: such a canary keeps `pending_shard` (stays listed for the sweeper) until they are delivered.
- TTL attribute `expires_at` (epoch seconds), 30 days after the canary was created by default.
- Alert items (`store.alert_state`): `pk` (S) = `alert#<path>#<check>`, `sk` (S) = `alert`, one per open failure
  (first and last canary, occurrences), `expires_at` a week after the failure was last seen.

Idempotency table (Powertools' DynamoDB persistence layer): partition key `id` (S), TTL `expiration`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ALERT_PK_PREFIX",
    "ALERT_SK",
    "BY_PENDING_INDEX",
    "BY_SES_MESSAGE_ID_INDEX",
    "CANARY_SK",
    "COUNTED_PATHS",
    "EFFECTS_OWED",
    "OPEN_PATHS",
    "PATH_SK_PREFIX",
    "PENDING_SHARD",
    "SEND_SK_PREFIX",
    "TTL_ATTRIBUTE",
    "canary_table_definition",
    "idempotency_table_definition",
]

ALERT_PK_PREFIX = "alert#"
ALERT_SK = "alert"
BY_SES_MESSAGE_ID_INDEX = "by-ses-message-id"
BY_PENDING_INDEX = "by-pending"
CANARY_SK = "canary"
OPEN_PATHS = "open_paths"
COUNTED_PATHS = "counted_paths"
EFFECTS_OWED = "effects_owed"
PATH_SK_PREFIX = "path#"
SEND_SK_PREFIX = "send#"
PENDING_SHARD = "pending"
TTL_ATTRIBUTE = "expires_at"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"


def canary_table_definition(table_name: str) -> dict[str, Any]:
    """`CreateTable` arguments for the canary table (used by the lab and the tests; mirrored by the template)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "ses_message_id", "AttributeType": "S"},
            {"AttributeName": "pending_shard", "AttributeType": "S"},
            {"AttributeName": "deadline", "AttributeType": "N"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": BY_SES_MESSAGE_ID_INDEX,
                "KeySchema": [{"AttributeName": "ses_message_id", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": BY_PENDING_INDEX,
                "KeySchema": [
                    {"AttributeName": "pending_shard", "KeyType": "HASH"},
                    {"AttributeName": "deadline", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    }


def idempotency_table_definition(table_name: str) -> dict[str, Any]:
    """`CreateTable` arguments for Powertools' idempotency table (partition key `id`)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    }
