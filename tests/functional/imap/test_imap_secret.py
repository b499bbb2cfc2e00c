"""Reading the IMAP secret from Secrets Manager (moto): stored credentials and every way it can be unusable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mailcanary.arrival.imap import ImapConfigError
from mailcanary.arrival.imap.secret import load_imap_credentials
from mailcanary.core.redaction import redact_text

REGION = "us-east-1"


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("secretsmanager", region_name=REGION)


def _secret(client: Any, value: str, name: str = "imap") -> str:
    return str(client.create_secret(Name=name, SecretString=value)["ARN"])


def test_given_stored_credentials_when_read_then_the_password_is_a_secret_and_masked(secrets: Any) -> None:
    # Given the secret as scripts and operators store it
    arn = _secret(secrets, json.dumps({"username": "canary@example.com", "password": "Imap-Pass-4242"}))
    # When read
    credentials = load_imap_credentials(secrets, arn)
    # Then the password is kept out of the repr and is masked in any later text
    assert credentials.username == "canary@example.com"
    assert credentials.password.reveal() == "Imap-Pass-4242"
    assert "Imap-Pass-4242" not in repr(credentials)
    assert "Imap-Pass-4242" not in redact_text("server said: imap-pass-4242")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not json", "is not JSON"),
        ('["a"]', "not a JSON object"),
        ('{"username": "u"}', "needs non-empty string"),
        ('{"username": "", "password": "Unused-Pass-1"}', "needs non-empty string"),
    ],
)
def test_given_an_unusable_secret_when_read_then_a_config_error_names_it_without_its_value(
    secrets: Any, value: str, message: str
) -> None:
    # Given a secret that is not {"username", "password"}
    arn = _secret(secrets, value)
    # When read; Then a ConfigError says what is wrong, and never shows a password
    with pytest.raises(ImapConfigError, match=message) as raised:
        load_imap_credentials(secrets, arn)
    assert "Unused-Pass-1" not in str(raised.value)


def test_given_a_missing_secret_or_no_arn_when_read_then_the_error_names_the_cause(secrets: Any) -> None:
    # Given no ARN, or an ARN that does not exist
    missing = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:nope-AbCdEf"
    # When read; Then a ConfigError names the AWS error code (not its message)
    with pytest.raises(ImapConfigError, match="ResourceNotFoundException"):
        load_imap_credentials(secrets, missing)
    with pytest.raises(ImapConfigError, match="no IMAP secret"):
        load_imap_credentials(secrets, "")
