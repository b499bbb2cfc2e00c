"""How many SMTP targets one round may have: up to MAX_SMTP_TARGETS runs, more is refused before anything runs."""

from __future__ import annotations

import json

import pytest

from mailcanary.config.events import RoundOverrides
from mailcanary.config.settings import MAX_SMTP_TARGETS, Settings, SmtpTargetConfig
from mailcanary.core.errors import ConfigError, UsageError
from mailcanary.round.plan import plan_round


def _targets(count: int) -> list[SmtpTargetConfig]:
    return [SmtpTargetConfig(name=f"t{index}", host="127.0.0.1", port=2525, auth=False) for index in range(count)]


def test_given_the_maximum_number_of_targets_when_planned_then_every_target_is_a_path() -> None:
    # Given settings with exactly MAX_SMTP_TARGETS targets (JSON, as the environment carries them)
    variable = json.dumps([target.model_dump() for target in _targets(MAX_SMTP_TARGETS)])
    settings = Settings.from_environ({"MAILCANARY_SMTP_TARGETS": variable})
    # When a scheduled round is planned, Then every target runs
    plan = plan_round(settings, RoundOverrides(trigger="schedule"), "c1")
    assert len(plan.targets) == MAX_SMTP_TARGETS


def test_given_too_many_configured_targets_when_loaded_then_config_error_names_the_variable() -> None:
    # Given one target more than a round may have
    variable = json.dumps([target.model_dump() for target in _targets(MAX_SMTP_TARGETS + 1)])
    # When the settings are read, Then the mistake is reported before any round runs
    with pytest.raises(ConfigError, match=rf"MAILCANARY_SMTP_TARGETS: .*{MAX_SMTP_TARGETS}"):
        Settings.from_environ({"MAILCANARY_SMTP_TARGETS": variable})


def test_given_too_many_console_targets_when_planned_then_usage_error_says_the_limit() -> None:
    # Given a console event naming one ad-hoc target more than a round may have
    overrides = RoundOverrides(trigger="console", targets=tuple(_targets(MAX_SMTP_TARGETS + 1)))
    # When the round is planned, Then it is refused with the limit and the count
    with pytest.raises(UsageError, match=rf"at most {MAX_SMTP_TARGETS} SMTP targets per round, got 501"):
        plan_round(Settings(), overrides, "c1")
