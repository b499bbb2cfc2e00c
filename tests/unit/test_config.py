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
