"""The SES fault proxy forwards everything to moto and answers sends with SES's own errors while armed."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from mailcanary.lab.aws_lab import AwsLab, running_aws_lab
from mailcanary.lab.fault_proxy import ApiFault, SesFaultProxy

RAW = b"From: canary@mailcanary.test\r\nTo: a@example.test\r\nSubject: proxy\r\n\r\nbody\r\n"


@pytest.fixture(scope="module")
def lab() -> Iterator[AwsLab]:
    with running_aws_lab() as running:
        yield running


def _client(service: str, endpoint: str) -> object:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    config = Config(retries={"mode": "standard", "max_attempts": 3})
    return session.client(service, region_name="us-east-1", endpoint_url=endpoint, config=config)  # type: ignore[call-overload]


def test_given_no_fault_when_sending_through_the_proxy_then_moto_accepts_it(lab: AwsLab) -> None:
    with SesFaultProxy(lab.endpoint_url) as proxy:
        ses = _client("ses", proxy.endpoint_url)
        reply = ses.send_raw_email(Source=lab.resources.sender, RawMessage={"Data": RAW})  # type: ignore[attr-defined]
        assert reply["MessageId"]
        assert ses.get_send_quota()["Max24HourSend"] > 0  # type: ignore[attr-defined]
        assert proxy.refused == 0


@pytest.mark.parametrize(
    ("fault", "code", "message", "attempts"),
    [
        (ApiFault.THROTTLING, "Throttling", "Maximum sending rate exceeded.", 4),  # transient: 1 + 3 SDK retries
        (ApiFault.MESSAGE_REJECTED, "MessageRejected", "Email address is not verified.", 1),
        (ApiFault.ACCOUNT_PAUSED, "AccountSendingPausedException", "Email sending is disabled", 1),
    ],
)
def test_given_an_api_fault_when_sending_raw_email_then_ses_v1_error_is_returned(
    lab: AwsLab, fault: ApiFault, code: str, message: str, attempts: int
) -> None:
    # Given the proxy with the fault armed
    with SesFaultProxy(lab.endpoint_url, frozenset({fault})) as proxy:
        ses = _client("ses", proxy.endpoint_url)
        # When a raw email is sent
        with pytest.raises(ClientError) as raised:
            ses.send_raw_email(Source=lab.resources.sender, RawMessage={"Data": RAW})  # type: ignore[attr-defined]
        # Then the SDK sees SES's error code, status and message; only sends are refused
        error = raised.value.response
        assert error["Error"]["Code"] == code
        assert error["Error"]["Message"].startswith(message)
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert proxy.refused == attempts
        assert ses.list_identities()["Identities"]  # type: ignore[attr-defined]


def test_given_throttling_when_sending_with_sesv2_then_too_many_requests_is_returned(lab: AwsLab) -> None:
    with SesFaultProxy(lab.endpoint_url, frozenset({ApiFault.THROTTLING})) as proxy:
        sesv2 = _client("sesv2", proxy.endpoint_url)
        with pytest.raises(ClientError) as raised:
            sesv2.send_email(  # type: ignore[attr-defined]
                FromEmailAddress=lab.resources.sender, Content={"Raw": {"Data": RAW}}
            )
        assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_given_a_fault_cleared_when_sending_again_then_it_goes_through(lab: AwsLab) -> None:
    with SesFaultProxy(lab.endpoint_url, frozenset({ApiFault.MESSAGE_REJECTED})) as proxy:
        ses = _client("ses", proxy.endpoint_url)
        with pytest.raises(ClientError):
            ses.send_raw_email(Source=lab.resources.sender, RawMessage={"Data": RAW})  # type: ignore[attr-defined]
        proxy.faults = frozenset()
        assert ses.send_raw_email(Source=lab.resources.sender, RawMessage={"Data": RAW})["MessageId"]  # type: ignore[attr-defined]
