"""Handlers invoked in-process: what they print (EMF metrics, Powertools logs) is captured, not shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailcanary.core.checks import PathKind
from mailcanary.core.errors import ConfigError
from mailcanary.lab.invoke import FakeLambdaContext, invoke, load_handler
from mailcanary.report import observability


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    observability.emit(observability.canary_sent(PathKind.API, "ses-api:us-east-1"))
    observability.get_logger().warning("a log line", extra={"canary_id": "c1"})
    if event.get("boom"):
        raise RuntimeError("handler failed")
    return {"remaining_ms": context.get_remaining_time_in_millis(), "name": context.function_name}


def test_given_a_handler_when_invoked_then_metrics_and_logs_are_captured(capsys: pytest.CaptureFixture[str]) -> None:
    invocation = invoke("canary", _handler, {})
    assert invocation.ok
    assert invocation.result["name"] == "mailcanary-canary"
    assert invocation.result["remaining_ms"] > 0
    assert sorted(point.label for point in invocation.metrics) == [
        "CanarySent",
        "CanarySent{Path=api,Target=ses-api:us-east-1}",
    ]
    assert any("a log line" in line for line in invocation.log_lines)
    assert capsys.readouterr().out == ""  # nothing reached the real stdout


def test_given_a_failing_handler_when_invoked_then_the_error_is_recorded_not_raised() -> None:
    invocation = invoke("canary", _handler, {"boom": True})
    assert invocation.error == "RuntimeError: handler failed"
    assert len(invocation.metrics) == 2


def test_given_a_handler_file_when_loaded_twice_then_two_fresh_modules(tmp_path: Path) -> None:
    (tmp_path / "demo_fn").mkdir()
    (tmp_path / "demo_fn" / "app.py").write_text(
        "calls = []\ndef lambda_handler(event, context):\n    calls.append(1)\n    return len(calls)\n"
    )
    first, second = load_handler("demo_fn", tmp_path), load_handler("demo_fn", tmp_path)
    context = FakeLambdaContext.new("f")
    assert first({}, context) == 1
    assert first({}, context) == 2
    assert second({}, context) == 1


def test_given_a_handler_with_a_missing_module_when_loaded_then_config_error(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "app.py").write_text("import mailcanary.does_not_exist\n")
    with pytest.raises(ConfigError, match="cannot load the broken handler"):
        load_handler("broken", tmp_path)
