"""Fixtures of the round tests: the lab SMTP endpoint and the function environment (the moto world is the
shared `aws` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from round_world import LAB_PASSWORD

from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint
from tests.support.aws_world import AwsWorld


@pytest.fixture
def lab_smtp() -> Iterator[LabSmtpEndpoint]:
    from mailcanary.core.secret import Secret

    with LabSmtpEndpoint(password=Secret(LAB_PASSWORD)) as endpoint:
        yield endpoint


@pytest.fixture
def env(aws: AwsWorld, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The function environment the template sets, pointing at moto's resources."""
    for name, value in aws.environment().items():
        monkeypatch.setenv(name, value)
    return monkeypatch
