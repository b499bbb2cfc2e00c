from __future__ import annotations

import pytest

from mailcanary.config.runtime import cached_runtime_from_environ


def test_given_an_accessor_when_called_then_settings_are_read_then_and_reused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an accessor made before the environment is set (as at handler import)
    runtime = cached_runtime_from_environ()
    monkeypatch.setenv("MAILCANARY_SENDER", "first@example.com")
    # When it is first called, Then it reads the environment of that moment
    assert runtime().settings.sender == "first@example.com"
    # And while warm it reuses the same runtime
    monkeypatch.setenv("MAILCANARY_SENDER", "second@example.com")
    assert runtime() is runtime()
    assert runtime().settings.sender == "first@example.com"
    # While a newly loaded handler module (a new accessor) starts from fresh settings
    assert cached_runtime_from_environ()().settings.sender == "second@example.com"
