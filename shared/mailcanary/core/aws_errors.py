"""AWS SDK errors, told apart by error code (never by message): the one translation every adapter uses.

botocore is imported only when an error is being handled or caught, so importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["aws_error_code", "aws_errors"]


def aws_error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore `ClientError` (`ConditionalCheckFailedException`, `Throttling`, ...);
    for any other error (no credentials, no endpoint, a timeout) its class name."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


def aws_errors() -> tuple[type[Exception], ...]:
    """botocore's service and connection errors, for an `except` clause."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)
