"""Redriving the SES-events dead-letter queue: a moto SQS queue holds both body formats and a malformed one,
and the invoker runs the real SES-events handler in-process (moto's Lambda invoke needs Docker), so a redriven
Delivery really decides its canary. moto is not Lambda: the in-process invoker plays Lambda's part, reporting
a handler exception as a function error the way a RequestResponse invocation does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from handlers import event, invoke, load_handler
from test_handlers import _pending_canary

from mailcanary.config import clients as aws_clients
from mailcanary.dead_letters import DeadLetterSource, InvocationResult, MessageReport, Outcome, redrive
from tests.support.aws_world import CANARY_TABLE, IDEMPOTENCY_TABLE, AwsWorld

DATA = Path(__file__).resolve().parents[2] / "data" / "dead-letters"
LAMBDA_BODY = json.dumps(event("ses_events/sns-delivery.json"))  # Lambda's DLQ keeps the invocation event as is
SNS_BODY = (DATA / "sns-redrive-delivery.json").read_text()  # SNS's redrive keeps the notification
MALFORMED_BODY = '{"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "not an SES event"}}]}'


@pytest.fixture
def ses_events_env(aws: AwsWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """What the SES-events function reads from its environment, pointing at moto's tables and alert topic."""
    monkeypatch.setenv("MAILCANARY_TABLE_NAME", CANARY_TABLE)
    monkeypatch.setenv("MAILCANARY_IDEMPOTENCY_TABLE_NAME", IDEMPOTENCY_TABLE)
    monkeypatch.setenv("MAILCANARY_ALERT_TOPIC_ARN", aws.alert_topic_arn)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    aws_clients.clear()
    yield monkeypatch
    aws_clients.clear()


def in_process_invoker() -> Any:
    """An invoker running functions/ses_events/app.py here, as Lambda would (and checking its IAM policy)."""
    handler = load_handler("ses_events")

    def invoker(payload: dict[str, Any]) -> InvocationResult:
        try:
            return InvocationResult(True, json.dumps(invoke(handler, payload)))
        except Exception as exc:  # what Lambda reports as FunctionError "Unhandled"
            return InvocationResult(False, f"Unhandled: {type(exc).__name__}: {exc}")

    return invoker


def dead_letter_queue(aws: AwsWorld, *bodies: str) -> str:
    sqs = aws.client("sqs")
    url: str = sqs.create_queue(QueueName="ses-events-dlq")["QueueUrl"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    return url


def left_in(aws: AwsWorld, url: str) -> list[str]:
    """Bodies still in the queue (all visible again: the redrive releases what it keeps)."""
    reply = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return sorted(message["Body"] for message in reply.get("Messages", []))


def outcomes(reports: list[MessageReport]) -> list[tuple[Outcome, DeadLetterSource | None]]:
    return sorted(((report.outcome, report.source) for report in reports), key=str)


@pytest.mark.parametrize(("body", "source"), [(LAMBDA_BODY, DeadLetterSource.LAMBDA), (SNS_BODY, DeadLetterSource.SNS)])
def test_given_a_dropped_delivery_in_either_format_when_redriven_then_the_canary_passes_and_the_message_goes(
    aws: AwsWorld, ses_events_env: pytest.MonkeyPatch, body: str, source: DeadLetterSource
) -> None:
    # Given a pending canary whose Delivery event the function never processed, waiting in the queue
    _pending_canary(aws, "recipient@example.com", created_at=datetime(2016, 10, 19, 23, 20, tzinfo=UTC))
    url = dead_letter_queue(aws, body)
    # When it is redriven through the real handler
    reports = list(redrive(aws.client("sqs"), url, in_process_invoker()))
    # Then the Delivery decided the canary, and the message was deleted
    assert outcomes(reports) == [(Outcome.REDRIVEN, source)]
    assert '"applied": 1' in reports[0].detail
    assert (aws.state("c-example", "api"), aws.state("c-example")) == ("passed", "passed")
    assert left_in(aws, url) == []


def test_given_both_formats_and_a_malformed_body_when_redriven_then_the_malformed_one_stays_unread(
    aws: AwsWorld, ses_events_env: pytest.MonkeyPatch
) -> None:
    # Given the same Delivery dropped twice (once by Lambda, once by SNS) and a body that is no SES event
    _pending_canary(aws, "recipient@example.com", created_at=datetime(2016, 10, 19, 23, 20, tzinfo=UTC))
    url = dead_letter_queue(aws, LAMBDA_BODY, SNS_BODY, MALFORMED_BODY)
    # When the queue is redriven
    reports = list(redrive(aws.client("sqs"), url, in_process_invoker()))
    # Then both copies were processed (the second as a duplicate) and deleted; the malformed one is reported, kept
    assert outcomes(reports) == sorted(
        [
            (Outcome.REDRIVEN, DeadLetterSource.LAMBDA),
            (Outcome.REDRIVEN, DeadLetterSource.SNS),
            (Outcome.UNRECOGNISED, None),
        ],
        key=str,
    )
    assert aws.state("c-example") == "passed"
    assert left_in(aws, url) == [MALFORMED_BODY]


def test_given_the_function_still_failing_when_redriven_then_the_message_is_kept(
    aws: AwsWorld, ses_events_env: pytest.MonkeyPatch
) -> None:
    # Given the canary table is unreachable for the function (a table that does not exist)
    ses_events_env.setenv("MAILCANARY_TABLE_NAME", "no-such-table")
    url = dead_letter_queue(aws, LAMBDA_BODY)
    # When the queue is redriven
    reports = list(redrive(aws.client("sqs"), url, in_process_invoker()))
    # Then the invocation failed, was reported with its error, and the message is still there
    assert outcomes(reports) == [(Outcome.FAILED, DeadLetterSource.LAMBDA)]
    assert "ResourceNotFoundException" in reports[0].detail
    assert left_in(aws, url) == [LAMBDA_BODY]


def test_given_a_dry_run_when_redriven_then_nothing_is_invoked_or_deleted(
    aws: AwsWorld, ses_events_env: pytest.MonkeyPatch
) -> None:
    # Given a pending canary and all three kinds of body, one carrying Lambda's failure attributes
    _pending_canary(aws, "recipient@example.com", created_at=datetime(2016, 10, 19, 23, 20, tzinfo=UTC))
    url = dead_letter_queue(aws, SNS_BODY, MALFORMED_BODY)
    attributes = {"ErrorMessage": {"DataType": "String", "StringValue": "Task timed out after 30.00 seconds"}}
    aws.client("sqs").send_message(QueueUrl=url, MessageBody=LAMBDA_BODY, MessageAttributes=attributes)
    called: list[dict[str, Any]] = []
    # When a dry run reads the queue
    reports = list(
        redrive(aws.client("sqs"), url, lambda e: called.append(e) or InvocationResult(True, ""), dry_run=True)
    )
    # Then each message is reported, nothing was invoked, the canary is still pending, and all three remain
    assert [report.outcome for report in reports].count(Outcome.WOULD_REDRIVE) == 2
    assert any("Task timed out" in report.detail for report in reports)
    assert called == []
    assert aws.state("c-example") == "pending"
    assert left_in(aws, url) == sorted([SNS_BODY, MALFORMED_BODY, LAMBDA_BODY])
