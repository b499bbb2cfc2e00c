"""Fixtures for the SES API and guard tests: moto-backed SES clients with a verified sender."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from sesmoto import REGION, SENDER, MotoSes, fake_credentials


@pytest.fixture
def moto_ses(monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoSes]:
    """SES v1 and v2 clients on moto with `canary@example.com` verified."""
    from moto import mock_aws

    fake_credentials(monkeypatch)
    with mock_aws():
        v1 = boto3.client("ses", region_name=REGION)
        v2 = boto3.client("sesv2", region_name=REGION)
        v1.verify_email_identity(EmailAddress=SENDER)
        yield MotoSes(v1, v2)
