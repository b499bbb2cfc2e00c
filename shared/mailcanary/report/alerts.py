"""SNS alerts: one message per failed check, not repeated while the same failure persists.

The deduplication key is (path, check). Its state is one item in the canary table
(`pk="alert#<path>#<check>"`, `sk="alert"`), claimed with a single atomic DynamoDB update, so two rounds
running at once still alert exactly once. A passing verdict for the same path and check clears the item,
so the next failure alerts again. Items expire (`expires_at`, the table's TTL) a week after the failure
was last seen, so a path removed from the configuration leaves nothing behind.

Alert bodies are JSON with every secret masked (`mailcanary.core.redaction`), whatever the verdict carries.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mailcanary.core.checks import Verdict
from mailcanary.core.errors import MailcanaryError
from mailcanary.core.redaction import NO_SECRETS, SecretForms, redact, redact_text

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient

__all__ = [
    "AlertError",
    "AlertOutcome",
    "AlertPublisher",
    "AlertState",
    "DynamoAlertState",
    "OpenAlerts",
    "subject_for",
]

SUBJECT_LIMIT = 100  # SNS rejects longer subjects
EXCERPT_LINES = 40
EXCERPT_CHARS = 8_000
STATE_TTL_SECONDS = 7 * 24 * 3600
_BATCH_GET_LIMIT = 100  # DynamoDB's maximum keys per BatchGetItem
_BATCH_GET_ATTEMPTS = 3  # keys DynamoDB leaves unprocessed are asked again, then counted as open


class AlertError(MailcanaryError):
    """Raised when an alert could not be published or its deduplication state could not be read or written."""


class AlertOutcome(StrEnum):
    PUBLISHED = "published"  # a new failure: one SNS message went out
    SUPPRESSED = "suppressed"  # the same failure is still open: no message
    CLEARED = "cleared"  # a passing verdict closed an open failure
    NOTHING = "nothing"  # a passing verdict with no open failure


@dataclass(frozen=True)
class OpenAlerts:
    """Which of the `checked` (path, check) pairs had an open failure when read, for clearing only those.

    A passing verdict whose pair was checked and found closed needs no write; a pair that was not checked
    (or that the read could not settle) is cleared with a delete, as without this read.
    """

    checked: frozenset[tuple[str, str]] = frozenset()
    open: frozenset[tuple[str, str]] = frozenset()

    def known_closed(self, path: str, check: str) -> bool:
        return (path, check) in self.checked and (path, check) not in self.open


class AlertState:
    """Where open failures are remembered. `open` returns True only for the caller that opened it."""

    def open_among(self, keys: Iterable[tuple[str, str]]) -> OpenAlerts:
        """Which of these (path, check) pairs are open now; by default none is known (every pass deletes)."""
        return OpenAlerts()

    def open(self, path: str, check: str, canary_id: str) -> bool:
        raise NotImplementedError

    def close(self, path: str, check: str) -> bool:
        """Forget an open failure; True when there was one."""
        raise NotImplementedError


@dataclass(frozen=True)
class DynamoAlertState(AlertState):
    """Open failures as items in the canary table (pk S, sk S, TTL attribute `expires_at`)."""

    client: DynamoDBClient
    table_name: str

    def open(self, path: str, check: str, canary_id: str) -> bool:
        now = int(time.time())
        try:
            reply = self.client.update_item(
                TableName=self.table_name,
                Key=_key(path, check),
                UpdateExpression=(
                    "SET first_canary_id = if_not_exists(first_canary_id, :canary), "
                    "opened_at = if_not_exists(opened_at, :now), last_canary_id = :canary, last_seen_at = :now, "
                    "expires_at = :expires ADD occurrences :one"
                ),
                ExpressionAttributeValues={
                    ":canary": {"S": canary_id},
                    ":now": {"N": str(now)},
                    ":expires": {"N": str(now + STATE_TTL_SECONDS)},
                    ":one": {"N": "1"},
                },
                ReturnValues="UPDATED_OLD",
            )
        except _aws_errors() as exc:
            raise AlertError(f"could not record the open failure {path} {check}: {exc}") from exc
        return "occurrences" not in reply.get("Attributes", {})

    def open_among(self, keys: Iterable[tuple[str, str]]) -> OpenAlerts:
        """One strongly consistent BatchGetItem per 100 pairs (instead of a delete per passing check)."""
        wanted = sorted(set(keys))
        found: set[tuple[str, str]] = set()
        unsettled: set[tuple[str, str]] = set()
        for start in range(0, len(wanted), _BATCH_GET_LIMIT):
            pending = [_key(path, check) for path, check in wanted[start : start + _BATCH_GET_LIMIT]]
            for _ in range(_BATCH_GET_ATTEMPTS):
                request: Any = {
                    self.table_name: {"Keys": pending, "ConsistentRead": True, "ProjectionExpression": "pk"}
                }
                try:
                    reply: Any = self.client.batch_get_item(RequestItems=request)
                except _aws_errors() as exc:
                    raise AlertError(f"could not read the open failures: {exc}") from exc
                found |= {_pair(item["pk"]["S"]) for item in reply.get("Responses", {}).get(self.table_name, [])}
                pending = reply.get("UnprocessedKeys", {}).get(self.table_name, {}).get("Keys", [])
                if not pending:
                    break
            unsettled |= {_pair(key["pk"]["S"]) for key in pending}
        return OpenAlerts(frozenset(wanted) - unsettled, frozenset(found))

    def close(self, path: str, check: str) -> bool:
        try:
            reply = self.client.delete_item(TableName=self.table_name, Key=_key(path, check), ReturnValues="ALL_OLD")
        except _aws_errors() as exc:
            raise AlertError(f"could not clear the failure {path} {check}: {exc}") from exc
        return bool(reply.get("Attributes"))


def _aws_errors() -> tuple[type[Exception], ...]:
    """botocore's service and connection errors, imported only when a call is made (import time is a budget)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _key(path: str, check: str) -> dict[str, Any]:
    return {"pk": {"S": f"alert#{path}#{check}"}, "sk": {"S": "alert"}}


def _pair(pk: str) -> tuple[str, str]:
    """(path, check) back from an alert item's pk; a check name never contains '#', a path name may."""
    path, _, check = pk.removeprefix("alert#").rpartition("#")
    return path, check


def subject_for(verdict: Verdict, canary_id: str) -> str:
    """A one-line subject a human can triage from, within SNS's 100-character limit."""
    subject = f"mailcanary: {verdict.check.value} failed on {verdict.path} (canary {canary_id})"
    subject = "".join(ch if " " <= ch <= "~" else " " for ch in subject)  # SNS wants printable ASCII
    return subject if len(subject) <= SUBJECT_LIMIT else subject[: SUBJECT_LIMIT - 3] + "..."


def body_for(verdict: Verdict, canary_id: str, forms: SecretForms = NO_SECRETS) -> str:
    """The JSON alert body: what was checked, expected and observed, and a transcript excerpt; secrets masked."""
    excerpt = list(verdict.evidence[-EXCERPT_LINES:])
    while excerpt and sum(len(line) for line in excerpt) > EXCERPT_CHARS:
        excerpt.pop(0)
    document = {
        "canary_id": canary_id,
        "path": verdict.path,
        "check": verdict.check.value,
        "detail": verdict.detail,
        "expected": _jsonable(verdict.expected),
        "observed": _jsonable(verdict.observed),
        "transcript_excerpt": excerpt,
    }
    return json.dumps(redact(document, forms), indent=2, sort_keys=False)


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, set | frozenset):
        return sorted(str(item) for item in value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


@dataclass(frozen=True)
class AlertPublisher:
    """Publishes failed verdicts to the alert topic, once per (path, check) failure episode."""

    sns_client: SNSClient
    topic_arn: str
    dedup_store: AlertState

    def publish(
        self,
        verdicts: Iterable[Verdict],
        canary_id: str,
        forms: SecretForms = NO_SECRETS,
        known: OpenAlerts | None = None,
    ) -> list[AlertOutcome]:
        """Alert on each new failure, clear recovered ones; one outcome per verdict, in order.

        `known` (from `AlertState.open_among`, read once for a whole round) spares the delete of every
        passing check that was read as not open: a round's many passing checks then cost one read.
        """
        return [self._one(verdict, canary_id, forms, known or OpenAlerts()) for verdict in verdicts]

    def _one(self, verdict: Verdict, canary_id: str, forms: SecretForms, known: OpenAlerts) -> AlertOutcome:
        check = verdict.check.value
        if verdict.passed:
            if known.known_closed(verdict.path, check):
                return AlertOutcome.NOTHING
            return AlertOutcome.CLEARED if self.dedup_store.close(verdict.path, check) else AlertOutcome.NOTHING
        if not self.dedup_store.open(verdict.path, check, canary_id):
            return AlertOutcome.SUPPRESSED
        try:
            self.sns_client.publish(
                TopicArn=self.topic_arn,
                Subject=redact_text(subject_for(verdict, canary_id), forms),
                Message=body_for(verdict, canary_id, forms),
                MessageAttributes={
                    "check": {"DataType": "String", "StringValue": check},
                    "path": {"DataType": "String", "StringValue": verdict.path},
                },
            )
        except _aws_errors() as exc:
            # Forget the claim so the next round retries the alert instead of suppressing it forever.
            self.dedup_store.close(verdict.path, check)
            raise AlertError(f"could not publish the alert for {verdict.path} {check}: {exc}") from exc
        return AlertOutcome.PUBLISHED
