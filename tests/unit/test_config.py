from __future__ import annotations

import pytest

from mailcanary.config import Settings
from mailcanary.errors import ConfigError


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
