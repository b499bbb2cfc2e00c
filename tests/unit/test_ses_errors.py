"""Classification of botocore exceptions that carry no AWS error code (network, credentials, parameters)."""

from __future__ import annotations

import pytest
from botocore import exceptions as bx

from mailcanary.ses.api import classify_exception, error_from
from mailcanary.ses.errors import SesErrorReason, SesPermanentError, SesTransientError, classify_code


@pytest.mark.parametrize(
    ("exc", "reason", "transient"),
    [
        (bx.ConnectTimeoutError(endpoint_url="http://127.0.0.1:1"), SesErrorReason.ENDPOINT_UNREACHABLE, True),
        (bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), SesErrorReason.ENDPOINT_UNREACHABLE, True),
        (bx.ConnectionClosedError(endpoint_url="http://127.0.0.1:1"), SesErrorReason.ENDPOINT_UNREACHABLE, True),
        (bx.ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), SesErrorReason.TIMEOUT, True),
        (bx.NoCredentialsError(), SesErrorReason.CREDENTIALS, False),
        (bx.ParamValidationError(report="bad"), SesErrorReason.INVALID_PARAMETER, False),
        (RuntimeError("boom"), SesErrorReason.UNKNOWN, False),
    ],
)
def test_given_exception_without_code_when_classified_then_reason_by_type(
    exc: Exception, reason: SesErrorReason, transient: bool
) -> None:
    classification = classify_exception(exc, "v1")
    assert (classification.reason, classification.transient) == (reason, transient)
    assert classification.code == type(exc).__name__
    assert isinstance(error_from(exc, "v1"), SesTransientError if transient else SesPermanentError)


def test_given_same_code_with_any_message_when_classified_then_same_result() -> None:
    # The message text is never consulted: a MessageRejected that talks about throttling is still rejected
    def client_error(message: str) -> bx.ClientError:
        response = {
            "Error": {"Code": "MessageRejected", "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return bx.ClientError(response, "SendRawEmail")  # type: ignore[arg-type]

    first = classify_exception(client_error("Maximum sending rate exceeded."), "v1")
    second = classify_exception(client_error("Email address is not verified."), "v1")
    assert first == second
    assert first.reason is SesErrorReason.MESSAGE_REJECTED


def test_given_unknown_code_when_classified_then_transient_only_for_5xx() -> None:
    assert classify_code("Brand new", 400) == (SesErrorReason.UNKNOWN, False)
    assert classify_code("Brand new", 502) == (SesErrorReason.SERVICE_ERROR, True)
    assert classify_code("Brand new") == (SesErrorReason.UNKNOWN, False)
