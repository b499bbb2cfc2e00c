"""The dead-letter formats (Lambda's invocation event, SNS's notification) and the Lambda invoker adapter.

moto's Lambda invoke needs Docker, so the adapter is checked against botocore's Stubber: the request it sends
and how it reads a success, a function error and an AWS error."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from mailcanary.core.errors import UsageError
from mailcanary.dead_letters import (
    DeadLetterAwsError,
    DeadLetterSource,
    LambdaInvoker,
    RedriveLimits,
    UnrecognisedDeadLetterError,
    redrive_event,
)

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_EVENT = json.loads((ROOT / "events" / "ses_events" / "sns-bounce.json").read_text())
SNS_NOTIFICATION = json.loads((ROOT / "tests" / "data" / "dead-letters" / "sns-redrive-delivery.json").read_text())


def test_given_a_lambda_dead_letter_when_read_then_the_event_is_replayed_unchanged() -> None:
    redriven = redrive_event(json.dumps(LAMBDA_EVENT))
    assert redriven.source is DeadLetterSource.LAMBDA
    assert redriven.event == LAMBDA_EVENT
    assert redriven.sns_message_ids == (LAMBDA_EVENT["Records"][0]["Sns"]["MessageId"],)


def test_given_an_sns_dead_letter_when_read_then_it_becomes_the_lambda_record_sns_would_have_sent() -> None:
    redriven = redrive_event(json.dumps(SNS_NOTIFICATION))
    assert redriven.source is DeadLetterSource.SNS
    (record,) = redriven.event["Records"]
    assert record["EventSource"] == "aws:sns"
    # the subscription ARN comes from the unsubscribe link; the ...URL keys become Lambda's ...Url
    assert record["EventSubscriptionArn"].endswith(":mailcanary-SesEventTopic:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55")
    assert record["Sns"]["Message"] == SNS_NOTIFICATION["Message"]
    assert record["Sns"]["UnsubscribeUrl"] == SNS_NOTIFICATION["UnsubscribeURL"]
    assert record["Sns"]["SigningCertUrl"] == SNS_NOTIFICATION["SigningCertURL"]
    assert record["Sns"]["Subject"] is None  # absent from the notification when none was published
    assert redriven.sns_message_ids == (SNS_NOTIFICATION["MessageId"],)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"Type": "SubscriptionConfirmation"}', "neither a Lambda SNS event"),
        ('{"Records": "nope"}', "no Records list"),
        ('{"Records": []}', "without records"),
        (json.dumps({**SNS_NOTIFICATION, "Message": '{"eventType": "Delivery"}'}), "cannot use"),
        (json.dumps({"Records": [{"EventSource": "aws:sqs", "Sns": {}}]}), "cannot use"),
    ],
)
def test_given_a_body_that_is_no_ses_event_when_read_then_it_is_unrecognised(body: str, reason: str) -> None:
    with pytest.raises(UnrecognisedDeadLetterError, match=reason):
        redrive_event(body)


@pytest.mark.parametrize(("max_messages", "seconds"), [(0, 10), (10_001, 10), (5, 0), (5, 3601)])
def test_given_limits_out_of_range_when_built_then_usage_error(max_messages: int, seconds: float) -> None:
    with pytest.raises(UsageError):
        RedriveLimits(max_messages=max_messages, time_limit_seconds=seconds)


@pytest.fixture
def stubbed() -> Any:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber


EXPECTED = {"FunctionName": "ses-events", "InvocationType": "RequestResponse", "Payload": b'{"Records": []}'}


def test_given_a_successful_invocation_when_invoked_then_ok_with_the_response(stubbed: Any) -> None:
    client, stubber = stubbed
    response = {"StatusCode": 200, "Payload": io.BytesIO(b'{"events": {"applied": 1}}')}
    stubber.add_response("invoke", response, EXPECTED)
    result = LambdaInvoker(client, "ses-events")({"Records": []})
    assert (result.ok, result.detail) == (True, '{"events": {"applied": 1}}')
    stubber.assert_no_pending_responses()


def test_given_a_function_error_when_invoked_then_not_ok_with_the_error(stubbed: Any) -> None:
    client, stubber = stubbed
    payload = b'{"errorType": "ClientError", "errorMessage": "Requested resource not found"}'
    stubber.add_response("invoke", {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(payload)})
    result = LambdaInvoker(client, "ses-events")({"Records": []})
    assert result.ok is False
    assert result.detail.startswith("Unhandled: ")
    assert "Requested resource not found" in result.detail


def test_given_an_aws_error_when_invoked_then_a_typed_error_with_the_code(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_client_error("invoke", "ResourceNotFoundException", "Function not found: ses-events", 404)
    with pytest.raises(DeadLetterAwsError, match="lambda:InvokeFunction failed: ResourceNotFoundException") as caught:
        LambdaInvoker(client, "ses-events")({"Records": []})
    assert caught.value.code == "ResourceNotFoundException"
