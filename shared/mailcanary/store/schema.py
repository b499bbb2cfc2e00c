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
- GSI `by-created`: partition key `history_shard` (S), sort key `created_ms` (N, epoch milliseconds), projection
  KEYS_ONLY. Sparse: only canary items carry `history_shard` (always `HISTORY_SHARD`), written once by the create
  and never changed, so "the last N rounds" is one Query (`created_ms` descending, `Limit` N) and "the rounds
  between two times" one Query (`created_ms BETWEEN`). See "The history index" below for why one partition value.
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

The history index, against DynamoDB's partition limits. A round a minute for a year is 525,600 canary items,
all under the one `history_shard` value:
- Size: a global secondary index has no item-collection size limit (the 10 GB limit binds local secondary
  indexes only); a KEYS_ONLY entry is about 150 bytes (pk, sk, the two index keys, DynamoDB's 100-byte overhead),
  so a year is about 80 MB, and with the default 30-day TTL only about 43,200 entries are live at once.
- Writes: one index write when a canary is created and one when TTL deletes it; a round a minute is 0.017
  writes a second against a partition's 1,000 WCU/s (and an index partition that grows is split by sort key).
- Reads: "the last 50 rounds" reads 50 entries of 150 bytes: one read unit, one page.
- Why one value, not one per day or month: "the last N" would then span partitions and take a Query per
  partition, and a window across a month boundary two. Sharding the key (a suffix per writer) only pays once
  one partition's write limit is in sight, thousands of rounds a second, and costs a Query per shard.
- Why KEYS_ONLY: every row of the history needs the canary's paths and SES events anyway, which live in other
  items (one Query on `pk` each); projecting the canary item's attributes would only add a stale copy, and an
  index write on every change of them (the open-paths count-down, the decision). With KEYS_ONLY, those updates
  never touch the index.
- Canaries created before the index existed carry no `history_shard`: they are not listed, and expire by TTL.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ALERT_PK_PREFIX",
    "ALERT_SK",
    "BY_CREATED_INDEX",
    "BY_PENDING_INDEX",
    "BY_SES_MESSAGE_ID_INDEX",
    "CANARY_SK",
    "COUNTED_PATHS",
    "CREATED_MS",
    "EFFECTS_OWED",
    "HISTORY_SHARD",
    "HISTORY_SHARD_ATTRIBUTE",
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
BY_CREATED_INDEX = "by-created"
HISTORY_SHARD_ATTRIBUTE = "history_shard"
HISTORY_SHARD = "canary"  # the one partition value of `by-created` (see the module docstring)
CREATED_MS = "created_ms"
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
            {"AttributeName": HISTORY_SHARD_ATTRIBUTE, "AttributeType": "S"},
            {"AttributeName": CREATED_MS, "AttributeType": "N"},
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
            {
                "IndexName": BY_CREATED_INDEX,
                "KeySchema": [
                    {"AttributeName": HISTORY_SHARD_ATTRIBUTE, "KeyType": "HASH"},
                    {"AttributeName": CREATED_MS, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
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
