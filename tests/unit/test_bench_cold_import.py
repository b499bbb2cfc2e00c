"""The cold-import benchmark measures each handler in the environment the template gives it."""

from __future__ import annotations

import pytest

from scripts.benchmarks.cold_import import lambda_environment, template_environment

pytestmark = pytest.mark.bench


def test_given_the_template_when_read_then_every_import_time_variable_of_globals_reaches_the_benchmark() -> None:
    # When the benchmark reads the template's Globals with subsegments off, then on
    off, on = template_environment(subsegments=False), template_environment(subsegments=True)
    # Then pydantic's plugin switch and Powertools' variables are there, the X-Ray condition resolved as asked
    assert off["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    assert off["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert on["POWERTOOLS_TRACE_DISABLED"] == "false"
    # And settings (read on the first invocation, not at import) are not part of it
    assert not any(name.startswith("MAILCANARY_") for name in off)


def test_given_a_caller_environment_when_building_the_lambda_one_then_the_template_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a caller whose own environment would change what an import does
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "some_plugin")
    monkeypatch.setenv("POWERTOOLS_DEV", "true")
    # When the benchmark builds a function's environment
    env = lambda_environment("/tmp/task", subsegments=False)
    # Then only the template's values are there
    assert env["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    assert "POWERTOOLS_DEV" not in env
