"""SNS alerts: one message per failed check, not repeated while the same failure persists.

The deduplication key is (path, check); its state lives in the store (`mailcanary.store.alert_state`): claimed
with a single atomic DynamoDB update, so two rounds running at once still alert exactly once, and cleared by
a passing verdict for the same path and check, so the next failure alerts again.

Alert bodies are JSON with every secret masked (`mailcanary.core.redaction`), whatever the verdict carries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from mailcanary.core.aws_errors import aws_errors
from mailcanary.core.checks import Verdict
from mailcanary.core.errors import MailcanaryError
from mailcanary.core.redaction import NO_SECRETS, SecretForms, redact, redact_text
from mailcanary.store.alert_state import AlertState, OpenAlerts
from mailcanary.store.errors import StoreError

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

__all__ = [
    "AlertAction",
    "AlertError",
    "AlertPublisher",
    "subject_for",
]

SUBJECT_LIMIT = 100  # SNS rejects longer subjects
EXCERPT_LINES = 40
EXCERPT_CHARS = 8_000


class AlertError(MailcanaryError):
    """Raised when an alert could not be published or its deduplication state could not be read or written."""


class AlertAction(StrEnum):
    """What publishing one verdict did."""

    PUBLISHED = "published"  # a new failure: one SNS message went out
    SUPPRESSED = "suppressed"  # the same failure is still open: no message
    CLEARED = "cleared"  # a passing verdict closed an open failure
    NOTHING = "nothing"  # a passing verdict with no open failure


def subject_for(verdict: Verdict, canary_id: str) -> str:
    """A one-line subject a human can triage from, within SNS's 100-character limit."""
    subject = f"mailcanary: {verdict.check.value} failed on {verdict.path} (canary {canary_id})"
    subject = "".join(ch if " " <= ch <= "~" else " " for ch in subject)  # SNS wants printable ASCII
    return subject if len(subject) <= SUBJECT_LIMIT else subject[: SUBJECT_LIMIT - 3] + "..."


def body_for(verdict: Verdict, canary_id: str, forms: SecretForms = NO_SECRETS, artifacts: str | None = None) -> str:
    """The JSON alert body: what was checked, expected and observed, a transcript excerpt, and where the round's
    artifacts are (`artifacts`, an s3:// prefix, when the stack keeps them); secrets masked."""
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
    if artifacts:
        document["artifacts"] = artifacts
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
    # canary id -> where its round's artifacts are (an s3:// prefix), linked from the body; None: none kept
    artifact_link: Callable[[str], str | None] | None = None

    def publish(
        self,
        verdicts: Iterable[Verdict],
        canary_id: str,
        forms: SecretForms = NO_SECRETS,
        known: OpenAlerts | None = None,
    ) -> list[AlertAction]:
        """Alert on each new failure, clear recovered ones; one outcome per verdict, in order.

        `known` (from `AlertState.open_among`, read once for a whole round) spares the delete of every
        passing check that was read as not open: a round's many passing checks then cost one read.
        """
        return [self._one(verdict, canary_id, forms, known or OpenAlerts()) for verdict in verdicts]

    def _artifacts(self, canary_id: str) -> str | None:
        return self.artifact_link(canary_id) if self.artifact_link is not None else None

    def _one(self, verdict: Verdict, canary_id: str, forms: SecretForms, known: OpenAlerts) -> AlertAction:
        try:
            return self._publish_or_clear(verdict, canary_id, forms, known)
        except StoreError as exc:  # the deduplication state could not be read or written
            raise AlertError(f"alert state for {verdict.path} {verdict.check.value}: {exc}") from exc

    def _publish_or_clear(self, verdict: Verdict, canary_id: str, forms: SecretForms, known: OpenAlerts) -> AlertAction:
        check = verdict.check.value
        if verdict.passed:
            if known.known_closed(verdict.path, check):
                return AlertAction.NOTHING
            return AlertAction.CLEARED if self.dedup_store.close(verdict.path, check) else AlertAction.NOTHING
        if not self.dedup_store.open(verdict.path, check, canary_id):
            return AlertAction.SUPPRESSED
        try:
            self.sns_client.publish(
                TopicArn=self.topic_arn,
                Subject=redact_text(subject_for(verdict, canary_id), forms),
                Message=body_for(verdict, canary_id, forms, self._artifacts(canary_id)),
                MessageAttributes={
                    "check": {"DataType": "String", "StringValue": check},
                    "path": {"DataType": "String", "StringValue": verdict.path},
                },
            )
        except aws_errors() as exc:
            # Forget the claim so the next round retries the alert instead of suppressing it forever.
            self.dedup_store.close(verdict.path, check)
            raise AlertError(f"could not publish the alert for {verdict.path} {check}: {exc}") from exc
        return AlertAction.PUBLISHED
