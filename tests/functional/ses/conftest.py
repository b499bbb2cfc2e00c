"""Fixtures for the SES API and guard tests: SES clients on the shared moto world, whose sender is verified."""

from __future__ import annotations

import pytest
from sesmoto import MotoSes

from tests.support.aws_world import AwsWorld


@pytest.fixture
def moto_ses(aws: AwsWorld) -> MotoSes:
    """SES v1 and v2 clients of their own (the guard installs hooks on them) with `canary@example.com` verified."""
    return MotoSes(aws, aws.new_client("ses"), aws.new_client("sesv2"))
