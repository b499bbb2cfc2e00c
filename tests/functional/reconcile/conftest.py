"""Fixtures for the canary-record tests: moto-backed DynamoDB holding the real table schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from canary_tables import CANARY_TABLE, IDEMPOTENCY_TABLE
from moto import mock_aws

from mailcanary.store import CanaryStore, canary_table_definition, idempotency_table_definition


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto DynamoDB holding the canary table and the idempotency table, both with TTL on."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto's dummy credentials
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**canary_table_definition(CANARY_TABLE))
        client.update_time_to_live(
            TableName=CANARY_TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
        )
        client.create_table(**idempotency_table_definition(IDEMPOTENCY_TABLE))
        client.update_time_to_live(
            TableName=IDEMPOTENCY_TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
        )
        yield client


@pytest.fixture
def store(dynamodb: Any) -> CanaryStore:
    return CanaryStore(dynamodb, CANARY_TABLE)
