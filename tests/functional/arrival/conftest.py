"""Fixtures of the arrival tests: a moto DynamoDB holding the real canary table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mailcanary.store import CanaryStore, canary_table_definition

TABLE = "arrival-canaries"


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**canary_table_definition(TABLE))
        yield client


@pytest.fixture
def store(dynamodb: Any) -> CanaryStore:
    return CanaryStore(dynamodb, TABLE)
