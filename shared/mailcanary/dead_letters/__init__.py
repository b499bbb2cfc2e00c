"""The SES-events dead-letter queue: what its messages are, and replaying them through the SES-events function.

`formats` turns a queued body (Lambda's or SNS's dead-letter format) back into the event the handler takes;
`redrive` receives, invokes and deletes, with the SQS and Lambda clients passed in.
"""

from __future__ import annotations

from mailcanary.dead_letters.errors import DeadLetterAwsError, DeadLetterError, UnrecognisedDeadLetterError
from mailcanary.dead_letters.formats import DeadLetterSource, RedriveEvent, redrive_event
from mailcanary.dead_letters.redrive import (
    InvocationResult,
    Invoker,
    LambdaInvoker,
    MessageReport,
    Outcome,
    RedriveLimits,
    redrive,
)

__all__ = [
    "DeadLetterAwsError",
    "DeadLetterError",
    "DeadLetterSource",
    "InvocationResult",
    "Invoker",
    "LambdaInvoker",
    "MessageReport",
    "Outcome",
    "RedriveEvent",
    "RedriveLimits",
    "UnrecognisedDeadLetterError",
    "redrive",
    "redrive_event",
]
