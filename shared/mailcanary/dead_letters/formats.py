"""What a message in the SES-events dead-letter queue holds, and the SES-events function's event made from it.

Two sources write to the one queue (template.yaml, `SesEventsDeadLetterQueue`), with different bodies:

- Lambda's dead-letter queue, after an asynchronous invocation failed and its two retries too. "The payload
  written to the DLQ target ARN is the original event payload with no modifications to the message body";
  the reason comes as the message attributes RequestID, ErrorCode and ErrorMessage
  (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq, formerly
  https://docs.aws.amazon.com/lambda/latest/dg/dlq.html). For us that is the SNS Lambda event,
  `{"Records": [{"EventSource": "aws:sns", "EventSubscriptionArn": ..., "Sns": {"Type", "MessageId",
  "TopicArn", "Subject", "Message", "Timestamp", "SigningCertUrl", "UnsubscribeUrl", ...}}]}`.
- The SNS subscription's redrive policy, when SNS could not deliver to the function: "messages that can't be
  delivered ... are held in the dead-letter queue" (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html).
  The body is the SNS message as SNS sends it to queues and HTTP endpoints (a Lambda subscription has no raw
  delivery): the notification JSON of https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html,
  `{"Type": "Notification", "MessageId", "TopicArn", "Subject" (only if published with one), "Message",
  "Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"}` - note `...URL` where the
  Lambda event spells `...Url`, and no EventSource/EventSubscriptionArn. The SNS guide shows no DLQ body; that
  it is this envelope is what LocalStack's AWS-validated test `test_redrive_policy_lambda_subscription`
  records (body `Type` == "Notification", `Message` == the published text).

Either becomes the Lambda event the handler takes. A body that is neither, or whose `Message` is not an SES
event, raises `UnrecognisedDeadLetterError`: the handler would drop it as unparseable, so it must stay queued.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mailcanary.dead_letters.errors import UnrecognisedDeadLetterError

__all__ = ["DeadLetterSource", "RedriveEvent", "redrive_event"]


class DeadLetterSource(StrEnum):
    """Who put the message in the queue, told apart by the body's shape."""

    LAMBDA = "lambda"  # the failed invocation's event
    SNS = "sns"  # the notification SNS could not deliver


@dataclass(frozen=True, slots=True)
class RedriveEvent:
    """The event to invoke the SES-events function with, and the SNS message ids it carries (for the report)."""

    source: DeadLetterSource
    event: dict[str, Any]
    sns_message_ids: tuple[str, ...]


def redrive_event(body: str) -> RedriveEvent:
    """The SES-events function's event for one queued body; raises `UnrecognisedDeadLetterError` otherwise."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise UnrecognisedDeadLetterError(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise UnrecognisedDeadLetterError(f"not a JSON object but {type(document).__name__}")
    if "Records" in document:
        source, event = DeadLetterSource.LAMBDA, document
    elif document.get("Type") == "Notification":
        source, event = DeadLetterSource.SNS, {"Records": [_lambda_record(document)]}
    else:
        raise UnrecognisedDeadLetterError(
            "neither a Lambda SNS event (Records) nor an SNS notification (Type Notification)"
        )
    return RedriveEvent(source, event, _sns_message_ids(event))


def _lambda_record(notification: dict[str, Any]) -> dict[str, Any]:
    """The Lambda SNS record SNS would have delivered for this notification."""
    topic_arn = notification.get("TopicArn")
    unsubscribe_url = notification.get("UnsubscribeURL")
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": _subscription_arn(unsubscribe_url) or topic_arn,
        "Sns": {
            "Type": "Notification",
            "MessageId": notification.get("MessageId"),
            "TopicArn": topic_arn,
            "Subject": notification.get("Subject"),
            "Message": notification.get("Message"),
            "Timestamp": notification.get("Timestamp"),
            "SignatureVersion": notification.get("SignatureVersion"),
            "Signature": notification.get("Signature"),
            "SigningCertUrl": notification.get("SigningCertURL"),
            "UnsubscribeUrl": unsubscribe_url,
            "MessageAttributes": notification.get("MessageAttributes") or {},
        },
    }


def _subscription_arn(unsubscribe_url: Any) -> str | None:
    """The subscription ARN SNS names in the unsubscribe link (`...?Action=Unsubscribe&SubscriptionArn=...`)."""
    if not isinstance(unsubscribe_url, str):
        return None
    found = parse_qs(urlsplit(unsubscribe_url).query).get("SubscriptionArn")
    return found[0] if found else None


def _sns_message_ids(event: dict[str, Any]) -> tuple[str, ...]:
    """The SNS message id of every record, after checking each is an SES event the handler will accept."""
    from mailcanary.ses.errors import SesEventParseError
    from mailcanary.ses.events import SesEventSummary, parse_sns_lambda_event  # pydantic: only when redriving

    try:
        parsed = parse_sns_lambda_event(event)
    except SesEventParseError as exc:
        raise UnrecognisedDeadLetterError(str(exc)) from exc
    if not parsed:
        raise UnrecognisedDeadLetterError("an SNS event without records")
    for each in parsed:
        if not isinstance(each, SesEventSummary):
            raise UnrecognisedDeadLetterError(f"a record the function cannot use: {each.reason}")
    return tuple(str(record["Sns"]["MessageId"]) for record in event["Records"])
