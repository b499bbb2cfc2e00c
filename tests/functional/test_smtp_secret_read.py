"""Reading the SMTP secret from Secrets Manager (moto): stored credentials, the stack's placeholder, bad values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailcanary.core.redaction import redact_text
from mailcanary.round.smtp_secret import (
    PLACEHOLDER_USERNAME,
    SmtpSecretError,
    SmtpSecretNotStoredError,
    load_smtp_credentials,
)
from tests.support.aws_world import AwsWorld

pytestmark = pytest.mark.functional
REGION = "us-east-1"


@pytest.fixture
def secrets(aws: AwsWorld) -> Any:
    """This test's Secrets Manager client on the shared moto world."""
    return aws.client("secretsmanager")


def _secret(client: Any, value: str) -> str:
    return str(client.create_secret(Name="smtp", SecretString=value)["ARN"])


def test_given_stored_credentials_when_read_then_the_region_password_is_chosen_per_host(secrets: Any) -> None:
    document = {"username": "AKIAEXAMPLE", "password": "pw-default", "passwords_by_region": {"eu-west-1": "pw-eu"}}
    credentials = load_smtp_credentials(secrets, _secret(secrets, json.dumps(document)))
    assert credentials.username == "AKIAEXAMPLE"
    assert credentials.password_for("email-smtp.eu-west-1.amazonaws.com").reveal() == "pw-eu"
    assert credentials.password_for("mx.example.com").reveal() == "pw-default"


def test_given_the_stacks_placeholder_when_read_then_not_stored_and_its_password_is_masked(secrets: Any) -> None:
    # Given the secret as the stack generated it (placeholder username, random password)
    arn = _secret(secrets, json.dumps({"username": PLACEHOLDER_USERNAME, "password": "GeneratedRandom123"}))
    # When it is read, Then it is reported as never stored (a ConfigError the round treats as "not configured")
    with pytest.raises(SmtpSecretNotStoredError, match=r"store-smtp-secret\.sh") as caught:
        load_smtp_credentials(secrets, arn)
    assert isinstance(caught.value, SmtpSecretError)
    # And the generated password is masked wherever it would be printed
    assert "GeneratedRandom123" not in redact_text("password GeneratedRandom123")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not json", "is not JSON"),
        ("[1]", "is not a JSON object"),
        (json.dumps({"username": "AKIA"}), "needs non-empty string"),
        (json.dumps({"username": "AKIA", "password": "x", "passwords_by_region": {"eu-west-1": 1}}), "must map"),
    ],
)
def test_given_a_malformed_secret_when_read_then_a_clear_error(secrets: Any, value: str, message: str) -> None:
    with pytest.raises(SmtpSecretError, match=message) as caught:
        load_smtp_credentials(secrets, _secret(secrets, value))
    assert not isinstance(caught.value, SmtpSecretNotStoredError)


def test_given_a_missing_secret_when_read_then_the_error_code_is_named(secrets: Any) -> None:
    arn = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:absent-AbCdEf"
    with pytest.raises(SmtpSecretError, match="ResourceNotFoundException"):
        load_smtp_credentials(secrets, arn)


def _counting(client: Any) -> list[str]:
    calls: list[str] = []
    client.meta.events.register("before-call.secrets-manager.GetSecretValue", lambda **_: calls.append("get"))
    return calls


def test_given_a_stored_secret_when_read_twice_within_max_age_then_one_call_and_the_cached_value(secrets: Any) -> None:
    # Given stored credentials, read once
    arn = _secret(secrets, json.dumps({"username": "AKIAOLD", "password": "pw"}))
    calls = _counting(secrets)
    assert load_smtp_credentials(secrets, arn).username == "AKIAOLD"
    # When they are rotated and read again within MAX_AGE_SECONDS
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "AKIANEW", "password": "pw2"}))
    # Then the cached value is used (the previous key stays valid until the next rotation) and one call was made
    assert load_smtp_credentials(secrets, arn).username == "AKIAOLD"
    assert calls == ["get"]
    # And a caller that must see the newest value (the doctor) reads past the cache
    assert load_smtp_credentials(secrets, arn, fresh=True).username == "AKIANEW"
    assert calls == ["get", "get"]


def test_given_the_placeholder_when_credentials_are_stored_then_the_next_read_sees_them(secrets: Any) -> None:
    # Given the placeholder was read (and reported as not stored)
    arn = _secret(secrets, json.dumps({"username": PLACEHOLDER_USERNAME, "password": "generated"}))
    with pytest.raises(SmtpSecretNotStoredError):
        load_smtp_credentials(secrets, arn)
    # When the credentials are stored, Then the next read sees them at once: a placeholder is never cached
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "AKIASTORED", "password": "pw"}))
    assert load_smtp_credentials(secrets, arn).username == "AKIASTORED"
