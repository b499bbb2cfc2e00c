"""Settings the Lambda functions receive from template.yaml (JSON-valued variables included)."""

from __future__ import annotations

import pytest

from mailcanary.config.settings import Settings
from mailcanary.core.errors import ConfigError


def test_given_the_template_s_variables_when_read_then_every_field_is_typed() -> None:
    # Given the environment template.yaml sets (JSON for targets and recipients)
    environ = {
        "MAILCANARY_TABLE_NAME": "stack-CanaryTable",
        "MAILCANARY_ALERT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:alerts",
        "MAILCANARY_SMTP_TARGETS": '[{"name": "ses-smtp", "host": "email-smtp.eu-west-1.amazonaws.com"}]',
        "MAILCANARY_RECIPIENTS": '{"to": ["success@simulator.amazonses.com"], "bcc": ["b@example.com"]}',
    }
    # When settings are built
    settings = Settings.from_environ(environ)
    # Then JSON became models, with defaults filled in
    assert settings.table_name == "stack-CanaryTable"
    (target,) = settings.smtp_targets
    assert (target.name, target.port, target.tls, target.auth) == ("ses-smtp", 587, "starttls", True)
    assert settings.recipients.to == ("success@simulator.amazonses.com",)
    assert settings.recipients.bcc == ("b@example.com",)


def test_given_empty_json_variables_when_read_then_defaults() -> None:
    settings = Settings.from_environ({"MAILCANARY_SMTP_TARGETS": "", "MAILCANARY_RECIPIENTS": " "})
    assert settings.smtp_targets == ()
    assert settings.recipients.to == ()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MAILCANARY_SMTP_TARGETS", "[{"),
        ("MAILCANARY_SMTP_TARGETS", '[{"name": "has space", "host": "relay"}]'),
        ("MAILCANARY_SMTP_TARGETS", '[{"name": "relay", "host": "relay", "port": 70000}]'),
        ("MAILCANARY_RECIPIENTS", '{"to": ["a@example.com"], "reply_to": []}'),
    ],
)
def test_given_a_bad_json_variable_when_read_then_config_error_names_it(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        Settings.from_environ({variable: value})
