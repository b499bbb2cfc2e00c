"""Fixtures for the canary-record tests, on the shared moto world (the `aws` fixture of tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from mailcanary.store import CanaryStore
from tests.support.aws_world import AwsWorld


@pytest.fixture
def dynamodb(aws: AwsWorld) -> Any:
    """This test's DynamoDB client on the world's canary and idempotency tables (TTL on, as deployed)."""
    return aws.client("dynamodb")


@pytest.fixture
def store(aws: AwsWorld) -> CanaryStore:
    return aws.store()
