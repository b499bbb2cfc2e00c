"""Replay the SES-events dead-letter queue through the SES-events function, deleting only what it processed.

Each message is received (bounded in count and time), turned back into the function's event
(`formats.redrive_event`), handed to an `Invoker` and deleted only when the invocation succeeded. A body that
is not an SES event, or whose invocation failed, stays in the queue: every message received and not deleted
is made visible again when the run ends, so the alarm on the queue keeps counting it. The SES-events function
is idempotent per SES event, so replaying an event it already applied changes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mailcanary.core.aws_errors import aws_error_code, aws_errors
from mailcanary.core.errors import UsageError
from mailcanary.dead_letters.errors import DeadLetterAwsError, UnrecognisedDeadLetterError
from mailcanary.dead_letters.formats import DeadLetterSource, redrive_event

__all__ = ["InvocationResult", "Invoker", "LambdaInvoker", "MessageReport", "Outcome", "RedriveLimits", "redrive"]

SQS_BATCH = 10  # the most ReceiveMessage returns at once
VISIBILITY_MARGIN_SECONDS = 300  # one batch of invocations may outlast the time limit by this much
DETAIL_CHARS = 300


@dataclass(frozen=True, slots=True)
class InvocationResult:
    """How one synchronous invocation ended: `ok` without a function error; `detail` its response or error."""

    ok: bool
    detail: str


Invoker = Callable[[dict[str, Any]], InvocationResult]


class LambdaInvoker:
    """Invokes the deployed function synchronously (lambda:InvokeFunction, RequestResponse)."""

    def __init__(self, client: Any, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def __call__(self, event: dict[str, Any]) -> InvocationResult:
        with _aws_errors("lambda:InvokeFunction"):
            response = self._client.invoke(
                FunctionName=self._function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps(event).encode(),
            )
            payload = response["Payload"].read().decode("utf-8", "replace")
        if response.get("FunctionError"):  # "Unhandled": the handler raised; the payload says what
            return InvocationResult(False, f"{response['FunctionError']}: {payload}")
        return InvocationResult(True, payload)


class Outcome(StrEnum):
    REDRIVEN = "redriven"  # the function processed it; deleted
    FAILED = "failed"  # the function failed again; kept
    UNRECOGNISED = "unrecognised"  # not an SES event the function can take; kept, unread by it
    WOULD_REDRIVE = "would-redrive"  # --dry-run: recognised, left as it was


@dataclass(frozen=True, slots=True)
class MessageReport:
    """One queued message and what became of it."""

    message_id: str  # the SQS message id
    outcome: Outcome
    source: DeadLetterSource | None
    detail: str

    @property
    def kept(self) -> bool:
        return self.outcome is not Outcome.REDRIVEN

    def line(self) -> str:
        return f"{self.message_id} {self.outcome.value} {self.source.value if self.source else '-'} {self.detail}"


@dataclass(frozen=True, slots=True)
class RedriveLimits:
    """How much one run may do: at most `max_messages`, no new batch after `time_limit_seconds`."""

    max_messages: int = 100
    time_limit_seconds: float = 120.0
    wait_seconds: int = 1  # a short long-poll: with 0, SQS answers from a sample of its servers and may say "empty"

    def __post_init__(self) -> None:
        if not 1 <= self.max_messages <= 10_000:
            raise UsageError(f"--max must be between 1 and 10000, not {self.max_messages}")
        if not 0 < self.time_limit_seconds <= 3600:
            raise UsageError(f"--time-limit must be between 1 and 3600 seconds, not {self.time_limit_seconds}")

    @property
    def visibility_timeout(self) -> int:
        return int(self.time_limit_seconds) + VISIBILITY_MARGIN_SECONDS


def redrive(
    sqs: Any,
    queue_url: str,
    invoke: Invoker,
    *,
    limits: RedriveLimits | None = None,
    dry_run: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[MessageReport]:
    """Yield one report per message received; raises `DeadLetterAwsError` when SQS or Lambda fails.

    With `dry_run` nothing is invoked or deleted. Messages received and not deleted are released at the end.
    """
    limits = limits or RedriveLimits()
    received: dict[str, str] = {}  # SQS message id -> receipt handle, until deleted
    try:
        yield from _run(sqs, queue_url, invoke, limits, dry_run, clock, received)
    except BaseException:
        _release(sqs, queue_url, received, strict=False)  # the first error is the one to report
        raise
    _release(sqs, queue_url, received, strict=True)


def _run(
    sqs: Any,
    queue_url: str,
    invoke: Invoker,
    limits: RedriveLimits,
    dry_run: bool,
    clock: Callable[[], float],
    received: dict[str, str],
) -> Iterator[MessageReport]:
    deadline = clock() + limits.time_limit_seconds
    handled = 0
    while handled < limits.max_messages and clock() < deadline:
        with _aws_errors("sqs:ReceiveMessage"):
            reply = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(SQS_BATCH, limits.max_messages - handled),
                WaitTimeSeconds=limits.wait_seconds,
                VisibilityTimeout=limits.visibility_timeout,
                MessageAttributeNames=["All"],
            )
        messages = reply.get("Messages", [])
        if not messages:
            return
        for message in messages:
            handled += 1
            received[message["MessageId"]] = message["ReceiptHandle"]
            report = _handle(message, invoke, dry_run)
            if not report.kept:
                with _aws_errors("sqs:DeleteMessage (the event was applied; a rerun replays it harmlessly)"):
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                del received[message["MessageId"]]
            yield report


def _handle(message: dict[str, Any], invoke: Invoker, dry_run: bool) -> MessageReport:
    message_id = message["MessageId"]
    try:
        event = redrive_event(message.get("Body", ""))
    except UnrecognisedDeadLetterError as exc:
        return MessageReport(message_id, Outcome.UNRECOGNISED, None, _short(str(exc)))
    described = f"SNS {','.join(event.sns_message_ids)}"
    if dry_run:
        reason = message.get("MessageAttributes", {}).get("ErrorMessage", {}).get("StringValue")
        first = f" (failed first with: {_short(reason)})" if reason else ""
        return MessageReport(message_id, Outcome.WOULD_REDRIVE, event.source, described + first)
    result = invoke(event.event)
    outcome = Outcome.REDRIVEN if result.ok else Outcome.FAILED
    return MessageReport(message_id, outcome, event.source, f"{described}: {_short(result.detail)}")


def _release(sqs: Any, queue_url: str, received: dict[str, str], *, strict: bool) -> None:
    """Make kept messages visible again now (not after the long visibility timeout of this run)."""
    entries = [
        {"Id": str(n), "ReceiptHandle": handle, "VisibilityTimeout": 0} for n, handle in enumerate(received.values())
    ]
    for start in range(0, len(entries), SQS_BATCH):
        try:
            with _aws_errors("sqs:ChangeMessageVisibilityBatch (kept messages reappear after the visibility timeout)"):
                reply = sqs.change_message_visibility_batch(
                    QueueUrl=queue_url, Entries=entries[start : start + SQS_BATCH]
                )
        except DeadLetterAwsError:
            if strict:
                raise
            continue
        failed = reply.get("Failed", [])
        if failed and strict:
            raise DeadLetterAwsError("sqs:ChangeMessageVisibilityBatch", failed[0].get("Code", "?"), "a kept message")


@contextmanager
def _aws_errors(operation: str) -> Iterator[None]:
    """Translate botocore's errors into `DeadLetterAwsError`, by error code."""
    try:
        yield
    except aws_errors() as exc:  # a service error, or no credentials, no endpoint, a timeout
        response = getattr(exc, "response", None)
        message = response.get("Error", {}).get("Message", "") if isinstance(response, dict) else str(exc)
        raise DeadLetterAwsError(operation, aws_error_code(exc), message) from exc


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= DETAIL_CHARS else flat[: DETAIL_CHARS - 3] + "..."
