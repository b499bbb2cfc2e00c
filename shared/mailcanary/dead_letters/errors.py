"""Errors of the dead-letter redrive; each is a `MailcanaryError`, so the CLI prints one line for it."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError

__all__ = ["DeadLetterAwsError", "DeadLetterError", "UnrecognisedDeadLetterError"]


class DeadLetterError(MailcanaryError):
    """Base of the errors raised while reading or redriving the SES-events dead-letter queue."""


class UnrecognisedDeadLetterError(DeadLetterError):
    """Raised when a queued body is neither a Lambda SNS event nor an SNS notification carrying an SES event."""


class DeadLetterAwsError(DeadLetterError):
    """Raised when an SQS or Lambda call fails; carries the AWS error code, never the message text alone."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation} failed: {code}: {message}")
        self.operation = operation
        self.code = code
