from __future__ import annotations

import pytest

from mailcanary.config.settings import Settings, xray_subsegments_enabled
from mailcanary.core.errors import ConfigError


def test_given_environment_when_loaded_then_prefixed_variables_are_used() -> None:
    settings = Settings.from_environ({"MAILCANARY_SENDER": "ops@example.org", "UNRELATED": "x"})
    assert settings.sender == "ops@example.org"


def test_given_invalid_value_when_loaded_then_error_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="MAILCANARY_SES_REGION"):
        Settings.from_environ({"MAILCANARY_SES_REGION": ["not", "a", "string"]})  # type: ignore[dict-item]


def test_given_no_reconcile_variables_when_loaded_then_defaults_apply() -> None:
    settings = Settings.from_environ({})
    assert settings.lost_after_seconds == 900
    assert settings.table_name == "mailcanary-canaries"
    assert settings.idempotency_table_name == "mailcanary-idempotency"


def test_given_table_variables_when_loaded_then_they_are_used() -> None:
    settings = Settings.from_environ(
        {
            "MAILCANARY_TABLE_NAME": "canaries-prod",
            "MAILCANARY_IDEMPOTENCY_TABLE_NAME": "idem-prod",
            "MAILCANARY_LOST_AFTER_SECONDS": "600",
        }
    )
    assert (settings.table_name, settings.idempotency_table_name, settings.lost_after_seconds) == (
        "canaries-prod",
        "idem-prod",
        600,
    )


def test_given_non_positive_lost_after_when_loaded_then_error_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="MAILCANARY_LOST_AFTER_SECONDS"):
        Settings.from_environ({"MAILCANARY_LOST_AFTER_SECONDS": "0"})


@pytest.mark.parametrize(
    ("value", "enabled"), [("true", False), ("TRUE", False), ("1", False), ("false", True), ("0", True), ("off", True)]
)
def test_given_powertools_trace_disabled_when_read_then_subsegments_follow_it(value: str, enabled: bool) -> None:
    # Given the variable the template sets from XRaySubsegments, When read, Then Powertools' truth values apply
    assert xray_subsegments_enabled({"POWERTOOLS_TRACE_DISABLED": value}) is enabled


def test_given_no_trace_variable_when_read_then_subsegments_are_on_as_powertools_would_have_them() -> None:
    # Given no POWERTOOLS_TRACE_DISABLED (e.g. a custom deployment), When read, Then Powertools' default: tracing on
    assert xray_subsegments_enabled({}) is True


def test_given_a_non_boolean_trace_variable_when_read_then_a_config_error_names_it() -> None:
    # Given a typo in the variable, When read, Then a ConfigError naming the variable
    with pytest.raises(ConfigError, match="POWERTOOLS_TRACE_DISABLED"):
        xray_subsegments_enabled({"POWERTOOLS_TRACE_DISABLED": "maybe"})
