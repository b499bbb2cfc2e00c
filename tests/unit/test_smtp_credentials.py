"""SES SMTP password derivation, checked against vectors from an independent implementation, and its CLI."""

from __future__ import annotations

import io

import pytest

from mailcanary.cli import EXIT_OK, EXIT_USAGE, main
from mailcanary.core.errors import UsageError
from mailcanary.ses.smtp_credentials import smtp_password

# From terraform-provider-aws, TestSESSMTPPasswordFromSecretKeySigV4 (internal/service/iam/access_key_test.go):
# an implementation known to authenticate against SES, not derived from this code.
VECTORS = [
    ("eu-central-1", "some+secret+key", "BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2"),
    ("eu-central-1", "another+secret+key", "BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh"),
    ("us-west-1", "some+secret+key", "BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj"),
    ("us-west-1", "another+secret+key", "BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF"),
]
EXAMPLE_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS documentation's example secret key


@pytest.mark.parametrize(("region", "secret", "expected"), VECTORS)
def test_given_a_known_vector_when_derived_then_the_same_password(region: str, secret: str, expected: str) -> None:
    assert smtp_password(secret, region) == expected


@pytest.mark.parametrize(("secret", "region"), [("", "us-east-1"), ("key", "US-EAST-1"), ("key", "us-east")])
def test_given_bad_input_when_derived_then_usage_error(secret: str, region: str) -> None:
    with pytest.raises(UsageError):
        smtp_password(secret, region)


def test_given_a_key_on_stdin_when_the_cli_runs_then_only_the_password_is_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the secret key piped on stdin
    monkeypatch.setattr("sys.stdin", io.StringIO(EXAMPLE_KEY + "\n"))
    # When the command runs
    code = main(["smtp-password", "--region", "eu-west-1"])
    # Then the password alone is on stdout, and the key appears nowhere
    out, err = capsys.readouterr()
    assert code == EXIT_OK
    assert out.strip() == smtp_password(EXAMPLE_KEY, "eu-west-1")
    assert EXAMPLE_KEY not in out + err


def test_given_a_key_in_an_env_variable_when_the_cli_runs_then_it_is_used_and_not_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMTP_USER_SECRET", EXAMPLE_KEY)
    code = main(["smtp-password", "--region", "us-east-1", "--secret-key-env", "SMTP_USER_SECRET"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK
    assert out.strip() == smtp_password(EXAMPLE_KEY, "us-east-1")
    assert EXAMPLE_KEY not in out + err


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["smtp-password", "--region", "us-east-1"], "", "no secret access key"),
        (["smtp-password", "--region", "us-east-1", "--secret-key-env", "MAILCANARY_TEST_UNSET"], "", "not set"),
        (["smtp-password", "--region", "Frankfurt"], EXAMPLE_KEY, "not an AWS region"),
    ],
)
def test_given_bad_cli_input_when_run_then_exit_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str, message: str
) -> None:
    monkeypatch.delenv("MAILCANARY_TEST_UNSET", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == EXIT_USAGE
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert EXAMPLE_KEY not in out + err


def test_given_a_short_key_when_the_cli_runs_then_it_warns_but_derives(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("some+secret+key\n"))
    assert main(["smtp-password", "--region", "eu-central-1"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert out.strip() == VECTORS[0][2]
    assert "not 40 characters" in err
