"""A round against one hostile SMTP server and a good one, through the real canary handler on moto: the round
returns within its budget, the hostile path is decided failed as timed out, metrics and alerts go out."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import misbehaving_smtp as hostile
import pytest
from handlers import LambdaContext, count, emf, event, load_handler
from round_world import LAB_PASSWORD, lab_target

from mailcanary.core.secret import Secret
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint
from mailcanary.round.budget import AFTER_SENDS_RESERVE_SECONDS
from tests.support.aws_world import AwsWorld

BUDGET = 3.0  # what the round has for its sends, given the time the context says is left
SLACK = 2.0  # recording, metrics and alerts on moto after the sends, on a loaded machine


@dataclass
class ShortLivedContext(LambdaContext):
    """A context with little time left: the round's budget is `BUDGET` seconds."""

    def get_remaining_time_in_millis(self) -> int:
        return int((AFTER_SENDS_RESERVE_SECONDS + BUDGET) * 1000)


def test_given_a_dripping_target_and_a_good_one_when_the_round_runs_then_it_returns_in_budget_and_decides_both(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with (
        LabSmtpEndpoint(password=Secret(LAB_PASSWORD)) as lab,
        hostile.hostile_server(hostile.dripped_banner) as drip,
    ):
        # Given a good target and one whose banner drips a byte a second, with stage timeouts (60 s) far
        # beyond the round's budget: only the budget can end that session in time
        dripping = {"name": "drip", "host": "127.0.0.1", "port": drip.port, "tls": "none", "auth": False}
        env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([lab_target(lab, "lab"), dripping | {"timeout_seconds": 60}]))
        handler = load_handler("canary")
        # When the scheduled round runs with little time left in the invocation
        started = time.monotonic()
        summary = handler.lambda_handler(event("canary/scheduled.json"), ShortLivedContext())
        elapsed = time.monotonic() - started
    out = capsys.readouterr()
    # Then the round returned within its budget (plus what follows the sends)
    assert elapsed < BUDGET + SLACK
    by_path = {path["path"]: path for path in summary["paths"]}
    # And the dripping path failed at its transport, as timed out
    verdicts = {v["check"]: v for v in by_path["smtp:drip"]["verdicts"]}
    assert verdicts["smtp.transport"]["passed"] is False
    assert "timed out" in verdicts["smtp.transport"]["detail"]
    assert "time budget" in verdicts["smtp.transport"]["detail"]
    # while the good ones passed
    assert all(v["passed"] for v in by_path["smtp:lab"]["verdicts"])
    assert all(v["passed"] for v in by_path["api"]["verdicts"])
    # And the metrics of every path went out, the failure among them
    metrics = emf(out.out)
    assert count(metrics, "CanarySent") == 3
    assert count(metrics, "CanaryFailed", Path="smtp", Target="drip") == 1
    assert count(metrics, "CheckFailed", Check="smtp.transport") == 1
    # And the dripping path is decided in DynamoDB: failed, not pending
    items = aws.items(summary["canary_id"])
    assert items["path#smtp:drip"]["state"]["S"] == "failed"
    assert items["path#smtp:lab"]["state"]["S"] == "pending"  # waits for SES's events, as a good path does
    # And one alert names the failed check
    alerts = aws.alerts()
    assert [(a["body"]["path"], a["body"]["check"]) for a in alerts] == [("smtp:drip", "smtp.transport")]
