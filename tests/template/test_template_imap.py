"""The optional IMAP receiver in template.yaml: off unless both its host and secret are given, a thin scheduled
function that may read that one secret, and settings the code really reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfn_engine import evaluate_conditions, parameter_defaults

from mailcanary.config.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
IMAP_RESOURCES = {"ImapPollFunction", "ImapPollLogGroup"}


def _conditions(template: dict[str, Any], **parameters: str) -> dict[str, bool]:
    return evaluate_conditions(template, parameter_defaults(template) | parameters)


def test_given_the_defaults_when_evaluated_then_the_imap_receiver_is_off(template: dict[str, Any]) -> None:
    # Given the parameters' defaults; When the conditions are evaluated
    defaults = parameter_defaults(template)
    # Then no host and no secret, so every IMAP resource is off; each one is behind the condition
    assert (defaults["ImapHost"], defaults["ImapSecretArn"]) == ("", "")
    assert _conditions(template)["HasImapReceiver"] is False
    for name in IMAP_RESOURCES:
        assert template["Resources"][name]["Condition"] == "HasImapReceiver", name


def test_given_a_host_without_a_secret_or_the_reverse_when_evaluated_then_it_stays_off(
    template: dict[str, Any],
) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:imap-AbCdEf"
    assert _conditions(template, ImapHost="imap.example.com")["HasImapReceiver"] is False
    assert _conditions(template, ImapSecretArn=arn)["HasImapReceiver"] is False
    assert _conditions(template, ImapHost="imap.example.com", ImapSecretArn=arn)["HasImapReceiver"] is True


def test_given_the_imap_poll_function_when_read_then_it_may_read_only_its_own_secret(template: dict[str, Any]) -> None:
    # Given the poll function's policy statements
    statements = [
        each
        for policy in template["Resources"]["ImapPollFunction"]["Properties"]["Policies"]
        for each in policy["Statement"]
    ]
    # Then Secrets Manager appears once: GetSecretValue on the ImapSecretArn parameter, nothing else of it
    secret_statements = [each for each in statements if "secretsmanager" in str(each["Action"])]
    assert secret_statements == [
        {
            "Sid": "ReadImapCredentials",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": "ImapSecretArn"},
        }
    ]
    # And it is not given the SMTP secret, or any secret, elsewhere
    assert "SmtpSecret" not in str(statements)


def test_given_the_imap_poll_function_when_read_then_its_schedule_handler_and_settings_are_real(
    template: dict[str, Any],
) -> None:
    properties = template["Resources"]["ImapPollFunction"]["Properties"]
    # Then it runs on its own schedule parameter, from a handler file that exists, never retried (the copies stay)
    assert properties["Events"]["Schedule"]["Properties"]["Schedule"] == {"Ref": "ImapSchedule"}
    assert (ROOT / properties["CodeUri"] / "app.py").is_file()
    assert properties["EventInvokeConfig"]["MaximumRetryAttempts"] == 0
    # And every variable it is given is a settings field, with the parameter of the same purpose
    variables = properties["Environment"]["Variables"]
    assert {name.removeprefix(ENV_PREFIX).lower() for name in variables} <= set(Settings.model_fields)
    assert variables["MAILCANARY_IMAP_SECRET_ARN"] == {"Ref": "ImapSecretArn"}
    assert variables["MAILCANARY_IMAP_HOST"] == {"Ref": "ImapHost"}
    assert template["Parameters"]["ImapTls"]["AllowedValues"] == list(
        Settings.model_fields["imap_tls"].annotation.__args__
    )
