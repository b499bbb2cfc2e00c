"""The SES API sender on moto and on real botocore clients: sends, and every failure classified by code."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from sesmoto import REGION, SENDER, MotoSes, client_answering, fake_credentials, free_port

from mailcanary.core.checks import Check
from mailcanary.core.errors import UsageError
from mailcanary.message.build import build_canary, default_recipients
from mailcanary.recipients import FindingKind, RecipientInjectionError, compare, parse_header_recipients
from mailcanary.ses.api import SesApi, SesApiSender, make_client
from mailcanary.ses.errors import SesErrorReason, SesPermanentError, SesSendError, SesTransientError

RAW_TWO_HEADER_RECIPIENTS = (
    b"From: canary@example.com\r\nTo: a@example.com, b@example.com\r\nSubject: t\r\n\r\nbody\r\n"
)


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_given_verified_sender_when_canary_sent_then_message_id_and_exact_destinations(
    moto_ses: MotoSes, api: str
) -> None:
    # Given a canary from a verified sender to the simulator plus a blind copy
    canary = build_canary("c1", SENDER, default_recipients("c1"), bcc=["audit@example.com"])
    sender = SesApiSender(moto_ses.v1 if api == "v1" else moto_ses.v2, api=api)
    # When it is sent through the API
    result = sender.send(canary.raw, source=SENDER, destinations=canary.envelope_recipients, tags={"canary": "c1"})
    # Then SES (moto) accepted it and the result records exactly what we handed over
    assert result.message_id
    assert result.api is SesApi(api)
    assert result.destinations == canary.envelope_recipients
    assert result.raw == canary.raw
    assert result.duration_seconds >= 0
    [recorded] = moto_ses.sent()
    assert recorded.raw_data == canary.raw.decode("ascii")
    # And our own comparison, computed from what we sent, is clean
    header = parse_header_recipients(result.raw)
    assert compare(intended=canary.plan, header=header, envelope=result.destinations) == ()


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_given_unverified_sender_when_sent_then_message_rejected_permanent(moto_ses: MotoSes, api: str) -> None:
    canary = build_canary("c2", "stranger@example.org", ["a@example.com"])
    sender = SesApiSender(moto_ses.v1 if api == "v1" else moto_ses.v2, api=api)
    with pytest.raises(SesPermanentError) as caught:
        sender.send(canary.raw, source="stranger@example.org", destinations=canary.envelope_recipients)
    classification = caught.value.classification
    assert classification.reason is SesErrorReason.MESSAGE_REJECTED
    assert classification.code == "MessageRejected"
    assert classification.check is Check.SES_API
    assert classification.permanent
    assert moto_ses.sent() == []


def test_moto_records_destinations_merged_with_header_recipients_which_is_mocks_behaviour(moto_ses: MotoSes) -> None:
    # Given a raw message whose headers name a@ and b@, sent with Destinations=[a@] only
    result = SesApiSender(moto_ses.v1).send(RAW_TWO_HEADER_RECIPIENTS, source=SENDER, destinations=["a@example.com"])
    # Then moto records b@ as a destination too: this is MOTO's behaviour (real SES is reported to deliver
    # to Destinations only). It must never be taken as evidence of what SES does.
    [recorded] = moto_ses.sent()
    assert "b@example.com" in recorded.destinations
    # And our comparison, computed from what we sent, reports b@ as header-only (never delivered by SES)
    findings = compare(intended=None, header=parse_header_recipients(result.raw), envelope=result.destinations)
    assert [(f.kind, f.address) for f in findings] == [(FindingKind.HEADER_ONLY, "b@example.com")]


def test_given_injected_destination_when_sent_then_refused_and_nothing_leaves(moto_ses: MotoSes) -> None:
    with pytest.raises(RecipientInjectionError):
        SesApiSender(moto_ses.v1).send(
            RAW_TWO_HEADER_RECIPIENTS, source=SENDER, destinations=["a@example.com\r\nBcc: x@evil.test"]
        )
    assert moto_ses.sent() == []


def test_given_wrong_client_for_api_when_sender_made_then_usage_error(moto_ses: MotoSes) -> None:
    with pytest.raises(UsageError, match="sesv2"):
        SesApiSender(moto_ses.v1, api="v2")
    with pytest.raises(UsageError, match="unknown SES API"):
        SesApiSender(moto_ses.v1, api="v3")


# (api, error code, http status, expected reason, expected transient) — the codes of botocore's service models
STUBBED_ERRORS = [
    ("v1", "MessageRejected", 400, SesErrorReason.MESSAGE_REJECTED, False),
    ("v1", "MailFromDomainNotVerifiedException", 400, SesErrorReason.MAIL_FROM_DOMAIN_NOT_VERIFIED, False),
    ("v1", "ConfigurationSetDoesNotExist", 400, SesErrorReason.CONFIGURATION_SET_NOT_FOUND, False),
    ("v1", "ConfigurationSetSendingPausedException", 400, SesErrorReason.CONFIGURATION_SET_SENDING_PAUSED, False),
    ("v1", "AccountSendingPausedException", 400, SesErrorReason.ACCOUNT_SENDING_PAUSED, False),
    ("v1", "Throttling", 400, SesErrorReason.THROTTLED, True),
    ("v1", "InvalidParameterValue", 400, SesErrorReason.INVALID_PARAMETER, False),
    ("v1", "InvalidClientTokenId", 403, SesErrorReason.CREDENTIALS, False),
    ("v1", "ServiceUnavailable", 503, SesErrorReason.SERVICE_ERROR, True),
    ("v1", "SomethingNew", 400, SesErrorReason.UNKNOWN, False),
    ("v1", "SomethingNewAndBroken", 500, SesErrorReason.SERVICE_ERROR, True),
    ("v2", "TooManyRequestsException", 429, SesErrorReason.THROTTLED, True),
    ("v2", "LimitExceededException", 400, SesErrorReason.QUOTA_EXCEEDED, True),
    ("v2", "SendingPausedException", 400, SesErrorReason.ACCOUNT_SENDING_PAUSED, False),
    ("v2", "AccountSuspendedException", 400, SesErrorReason.ACCOUNT_SUSPENDED, False),
    ("v2", "MessageRejected", 400, SesErrorReason.MESSAGE_REJECTED, False),
    ("v2", "MailFromDomainNotVerifiedException", 400, SesErrorReason.MAIL_FROM_DOMAIN_NOT_VERIFIED, False),
    ("v2", "NotFoundException", 404, SesErrorReason.NOT_FOUND, False),
    ("v2", "BadRequestException", 400, SesErrorReason.INVALID_PARAMETER, False),
]


@pytest.fixture
def offline_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_credentials(monkeypatch)


@pytest.mark.parametrize(("api", "code", "status", "reason", "transient"), STUBBED_ERRORS)
@pytest.mark.usefixtures("offline_credentials")
def test_given_stubbed_error_code_when_sent_then_classified_by_code(
    api: str, code: str, status: int, reason: SesErrorReason, transient: bool
) -> None:
    # Given a client whose next call fails with this error code (and a misleading message text)
    client = boto3.client(SesApi(api).service, region_name=REGION)
    stubber = Stubber(client)
    method = "send_raw_email" if api == "v1" else "send_email"
    stubber.add_client_error(method, service_error_code=code, service_message="Throttling", http_status_code=status)
    # When a canary is sent
    with stubber, pytest.raises(SesSendError) as caught:
        SesApiSender(client, api=api).send(RAW_TWO_HEADER_RECIPIENTS, source=SENDER, destinations=["a@example.com"])
    # Then it is classified by its code alone, with the right error type
    assert caught.value.reason is reason
    assert caught.value.transient is transient
    assert isinstance(caught.value, SesTransientError if transient else SesPermanentError)
    assert caught.value.classification.code == code
    assert "\n" not in str(caught.value)


V1_THROTTLE = (
    b'<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>'
    b"<Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error>"
    b"<RequestId>req-1</RequestId></ErrorResponse>"
)


@pytest.mark.usefixtures("offline_credentials")
def test_given_throttling_on_every_attempt_when_sent_then_retried_then_transient_throttled() -> None:
    # Given a v1 client in standard retry mode (2 attempts) whose every request is throttled
    client = client_answering("ses", 400, V1_THROTTLE, {}, max_attempts=2)
    # When a canary is sent
    with pytest.raises(SesTransientError) as caught:
        SesApiSender(client).send(RAW_TWO_HEADER_RECIPIENTS, source=SENDER, destinations=["a@example.com"])
    # Then botocore retried, and the throttle that outlived the retries is a classified transient error
    assert client.attempts == 2
    assert caught.value.reason is SesErrorReason.THROTTLED
    assert caught.value.classification.retry_attempts == 1
    assert caught.value.classification.request_id == "req-1"
    assert "after 1 retries" in str(caught.value)


@pytest.mark.usefixtures("offline_credentials")
def test_given_v2_too_many_requests_every_attempt_when_sent_then_transient_throttled() -> None:
    body = json.dumps({"message": "Too many requests"}).encode()
    headers = {"x-amzn-ErrorType": "TooManyRequestsException", "Content-Type": "application/json"}
    client = client_answering("sesv2", 429, body, headers, max_attempts=2)
    with pytest.raises(SesTransientError) as caught:
        SesApiSender(client, api="v2").send(RAW_TWO_HEADER_RECIPIENTS, source=SENDER, destinations=["a@example.com"])
    assert client.attempts == 2
    assert caught.value.reason is SesErrorReason.THROTTLED


@pytest.mark.usefixtures("offline_credentials")
def test_given_nothing_listening_when_sent_then_endpoint_unreachable_transient() -> None:
    # Given an endpoint on loopback where nothing listens
    client = make_client("v1", region=REGION, endpoint_url=f"http://127.0.0.1:{free_port()}", max_attempts=1)
    # Then the connection failure is classified, not raised raw
    with pytest.raises(SesTransientError) as caught:
        SesApiSender(client).send(RAW_TWO_HEADER_RECIPIENTS, source=SENDER, destinations=["a@example.com"])
    assert caught.value.reason is SesErrorReason.ENDPOINT_UNREACHABLE
    assert caught.value.classification.code == "EndpointConnectionError"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback socket that accepts connections (kernel backlog) but never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        yield server.getsockname()[1]


@pytest.mark.usefixtures("offline_credentials")
def test_given_endpoint_that_never_answers_when_sent_then_timeout_transient(silent_server: int) -> None:
    client: Any = make_client(
        "v2", region=REGION, endpoint_url=f"http://127.0.0.1:{silent_server}", max_attempts=1, read_timeout=0.3
    )
    with pytest.raises(SesTransientError) as caught:
        SesApiSender(client, api="v2").send(RAW_TWO_HEADER_RECIPIENTS, source=SENDER, destinations=["a@example.com"])
    assert caught.value.reason is SesErrorReason.TIMEOUT
    assert caught.value.classification.code == "ReadTimeoutError"
