"""The metric contract and its publication as CloudWatch EMF, and secret masking in the Logger."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pytest

from mailcanary.core.checks import Check, PathKind
from mailcanary.report import observability as obs


def _emf_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def test_given_a_round_s_observations_when_emitted_then_one_emf_line_per_dimension_set() -> None:
    # Given a sent canary on an SMTP path, its send latency, and a failed sequence check
    observations = [
        *obs.canary_sent(PathKind.SMTP, "relay-1"),
        obs.send_latency(PathKind.SMTP, "relay-1", 42.0),
        obs.check_failed(Check.SMTP_SEQUENCE),
    ]
    # When they are emitted
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        lines_written = obs.emit(observations)
    lines = _emf_lines(out.getvalue())
    # Then three EMF documents: per path, rollup (no dimensions), per check
    assert lines_written == 3 == len(lines)
    per_path, rollup, per_check = lines
    directive = per_path["_aws"]["CloudWatchMetrics"][0]  # type: ignore[index]
    assert directive["Namespace"] == "Mailcanary"
    assert directive["Dimensions"] == [["Path", "Target"]]
    assert {m["Name"] for m in directive["Metrics"]} == {"CanarySent", "SendLatency"}
    assert per_path["Path"] == "smtp"
    assert per_path["Target"] == "relay-1"
    assert per_path["SendLatency"] == [42.0]
    assert rollup["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]  # type: ignore[index]
    assert rollup["CanarySent"] == [1.0]
    assert per_check["Check"] == "smtp.sequence"
    assert "service" not in per_path  # no constant dimension multiplying the bill


def test_given_an_undeclared_dimension_set_when_an_observation_is_built_then_contract_error() -> None:
    # Given CheckFailed, which is published only with the Check dimension
    # When someone tries to publish it per path
    # Then the contract refuses it before it reaches CloudWatch
    with pytest.raises(obs.MetricContractError, match="CheckFailed"):
        obs.MetricObservation(obs.MetricName.CHECK_FAILED, 1, obs.Unit.COUNT, ((obs.Dimension.PATH, "smtp"),))
    with pytest.raises(obs.MetricContractError, match="Milliseconds"):
        obs.MetricObservation(obs.MetricName.CANARY_SENT, 1, obs.Unit.MILLISECONDS)
    with pytest.raises(obs.MetricContractError, match="empty"):
        obs.canary_passed(PathKind.API, "")


def test_given_the_contract_when_read_then_every_metric_declares_a_unit_and_dimension_sets() -> None:
    assert set(obs.METRIC_CONTRACT) == set(obs.MetricName)
    for unit, dimension_sets in obs.METRIC_CONTRACT.values():
        assert unit in set(obs.Unit)
        assert dimension_sets


def test_given_a_handler_with_no_own_metrics_when_log_metrics_runs_then_only_cold_start_and_no_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the shared Metrics used by the handler decorators (warnings are errors in this suite)
    metrics = obs.get_metrics()

    class Context:
        function_name = "mailcanary-canary"
        memory_limit_in_mb = 128
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mailcanary-canary"
        aws_request_id = "req-1"

    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: object, context: object) -> str:
        return "ok"

    # When it runs with nothing in the shared set
    from aws_lambda_powertools.metrics.provider import cold_start

    cold_start.is_cold_start = True
    assert handler({}, Context()) == "ok"
    # Then the only EMF line is Powertools' ColdStart in our namespace
    lines = _emf_lines(capsys.readouterr().out)
    assert [line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"] for line in lines] == ["ColdStart"]  # type: ignore[index]
    assert lines[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Mailcanary"  # type: ignore[index]


def test_given_the_logger_when_a_record_carries_secrets_then_the_output_masks_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the one Logger
    logger = obs.get_logger()
    # When a record carries an AUTH line and a password under a structured key
    logger.info("sent AUTH PLAIN AHVzZXIAcGFzc3dvcmQ=", extra={"smtp_password": "hunter2hunter2", "canary_id": "c1"})
    out = capsys.readouterr().out
    # Then neither secret reaches the output, the other keys do
    assert "AHVzZXIAcGFzc3dvcmQ=" not in out
    assert "hunter2hunter2" not in out
    record = json.loads(out.strip().splitlines()[-1])
    assert record["canary_id"] == "c1"
    assert record["service"] == "mailcanary"


@pytest.mark.process
def test_given_a_fresh_interpreter_when_observability_is_imported_then_powertools_is_not() -> None:
    # Given a new interpreter (import time is a budget)
    code = "import sys, mailcanary.report.observability; print('aws_lambda_powertools' in sys.modules)"
    # When only the contract module is imported
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # Then Powertools was not loaded
    assert result.stdout.strip() == "False"


def _import_handler_in_fresh_interpreter(trace_disabled: str) -> str:
    """Import the sweeper handler as Lambda does (its environment, a new interpreter); say what got loaded."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = "import sys, functions.sweeper.app\nprint('aws_xray_sdk' in sys.modules)"
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{root / 'shared'}:{root}",
        "AWS_LAMBDA_FUNCTION_NAME": "mailcanary-test",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "mailcanary",
        "POWERTOOLS_TRACE_DISABLED": trace_disabled,
    }
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=root)
    return result.stdout.strip()


@pytest.mark.process
def test_given_x_ray_subsegments_off_when_a_handler_is_imported_then_the_x_ray_sdk_is_never_loaded() -> None:
    # Given the template's default (POWERTOOLS_TRACE_DISABLED=true), When Lambda imports a handler
    loaded = _import_handler_in_fresh_interpreter("true")
    # Then the X-Ray SDK is not in the process (Powertools' tracer module loads it only when a Tracer is built)
    assert loaded == "False"


@pytest.mark.process
def test_given_x_ray_subsegments_on_when_a_handler_is_imported_then_the_tracer_wraps_it() -> None:
    # Given XRaySubsegments=true (POWERTOOLS_TRACE_DISABLED=false), When Lambda imports a handler
    loaded = _import_handler_in_fresh_interpreter("false")
    # Then the X-Ray SDK is loaded for the handler's subsegments
    assert loaded == "True"


def test_given_tracing_off_when_a_function_is_traced_then_it_is_returned_untouched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given POWERTOOLS_TRACE_DISABLED in Powertools' spelling of true
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")

    def handler(event: object, context: object) -> str:
        return "ok"

    # When the handler is decorated, Then it is the very same function
    assert obs.traced(handler) is handler
