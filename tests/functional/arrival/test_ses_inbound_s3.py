"""Reading the message SES's S3 action stored: bounded, typed errors for missing, empty and oversized objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mailcanary.arrival.errors import ArrivalTooLargeError, ArrivedMessageError
from mailcanary.arrival.ses_inbound import read_stored_message

BUCKET = "mailcanary-inbound"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_given_a_stored_message_when_read_then_its_exact_bytes_come_back(s3: Any) -> None:
    # Given a message stored where the S3 action put it
    raw = b"From: a@example.com\r\nSubject: canary\r\n\r\nbody\r\n"
    s3.put_object(Bucket=BUCKET, Key="inbound/abc", Body=raw)
    # When read; Then the bytes are the stored ones
    assert read_stored_message(s3, BUCKET, "inbound/abc") == raw


def test_given_a_message_exactly_at_the_bound_when_read_then_it_is_accepted(s3: Any) -> None:
    # Given an object of exactly `limit` bytes; When read with that limit; Then accepted whole
    s3.put_object(Bucket=BUCKET, Key="inbound/edge", Body=b"x" * 64)
    assert read_stored_message(s3, BUCKET, "inbound/edge", limit=64) == b"x" * 64


def test_given_a_message_beyond_the_bound_when_read_then_it_is_refused_as_too_large(s3: Any) -> None:
    # Given an object one byte over the limit
    s3.put_object(Bucket=BUCKET, Key="inbound/big", Body=b"x" * 65)
    # When read; Then refused with its size named
    with pytest.raises(ArrivalTooLargeError, match="65 bytes"):
        read_stored_message(s3, BUCKET, "inbound/big", limit=64)


@pytest.mark.parametrize(("key", "reason"), [("inbound/missing", "NoSuchKey"), ("inbound/empty", "empty")])
def test_given_a_missing_or_empty_object_when_read_then_a_typed_error(s3: Any, key: str, reason: str) -> None:
    # Given no object, or an empty one
    s3.put_object(Bucket=BUCKET, Key="inbound/empty", Body=b"")
    # When read; Then ArrivedMessageError says why
    with pytest.raises(ArrivedMessageError, match=reason):
        read_stored_message(s3, BUCKET, key)
