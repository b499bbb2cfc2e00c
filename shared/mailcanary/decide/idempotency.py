"""Process each SES event once: a stable key per event, and Powertools idempotency around the processing.

SNS delivers at least once, and SES itself may publish an event twice; both copies carry the same SES event,
so the key is built from the event rather than from the SNS envelope: the SES message id, the event type and
the feedback id SES gives bounces and complaints, or, for events without one, a digest of their timestamp and
recipients. The key also names the event on its canary path, so the store's conditional write deduplicates
even after the idempotency record has expired.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mailcanary.ses.events import SesEventSummary

__all__ = ["DEFAULT_IDEMPOTENCY_WINDOW_SECONDS", "IdempotencyOptions", "event_key", "once_per_event"]

# Lambda retries an asynchronous (SNS) invocation for up to 6 hours; keep the record well beyond that.
DEFAULT_IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60
KEY_PREFIX = "mailcanary.decide.reconcile"


def event_key(summary: SesEventSummary) -> str:
    """`<ses message id>#<event type>#<feedback id or digest>`: equal for every copy of one SES event."""
    ident = summary.feedback_id
    if not ident:
        identity = {
            "timestamp": summary.timestamp.isoformat() if summary.timestamp else None,
            "recipients": sorted([rcpt.address, rcpt.status or "", rcpt.action or ""] for rcpt in summary.recipients),
        }
        ident = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]
    return f"{summary.message_id}#{summary.event_type.value}#{ident}"


@dataclass(frozen=True, slots=True)
class IdempotencyOptions:
    """Where Powertools keeps its idempotency records (table: partition key `id`, TTL `expiration`)."""

    table_name: str
    client: Any  # a boto3 DynamoDB client
    expires_after_seconds: int = DEFAULT_IDEMPOTENCY_WINDOW_SECONDS
    lambda_context: Any = None  # lets Powertools expire an in-progress record if the invocation times out


def once_per_event(
    process: Callable[..., dict[str, Any]], options: IdempotencyOptions
) -> Callable[..., dict[str, Any] | None]:
    """`process(*, event_id, summary)` wrapped so that a second call with the same `event_id` does not run it.

    A repeated call returns the stored response of the first one instead (or None if it stored none); if
    `process` raises, Powertools deletes the record so the retry runs it again.
    """
    from aws_lambda_powertools.utilities.idempotency import (  # imported here: heavy, only this path needs it
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    persistence = DynamoDBPersistenceLayer(table_name=options.table_name, boto3_client=options.client)
    config = IdempotencyConfig(
        expires_after_seconds=options.expires_after_seconds,
        raise_on_no_idempotency_key=True,
        lambda_context=options.lambda_context,
    )
    wrapped: Callable[..., dict[str, Any] | None] = idempotent_function(
        process,
        data_keyword_argument="event_id",
        persistence_store=persistence,
        config=config,
        key_prefix=KEY_PREFIX,
    )
    return wrapped
