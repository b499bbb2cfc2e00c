"""A new stack's first rounds, through the real canary handler under moto: the SMTP secret still holds the
placeholder the template generates, so its SMTP target is reported as not configured — no SMTP session, no
failure metric, one alert in all — until the credentials are stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from handlers import count, emf, event, invoke, load_handler
from round_world import LAB_PASSWORD, lab_target

from mailcanary.core.secret import Secret
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint
from mailcanary.round.smtp_secret import PLACEHOLDER_USERNAME
from tests.support.aws_world import CANARY_TABLE, AwsWorld

pytestmark = pytest.mark.functional


def _store_placeholder(aws: AwsWorld) -> str:
    """What template.yaml's GenerateSecretString makes: the placeholder username and a random password."""
    generated = "Rand0mGeneratedPassw0rdAbCdEfGhIj"
    document = {"username": PLACEHOLDER_USERNAME, "password": generated}
    aws.client("secretsmanager").put_secret_value(SecretId=aws.secret_arn, SecretString=json.dumps(document))
    return generated


def _log_lines(stdout: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" not in line]


def test_given_the_placeholder_secret_when_rounds_run_then_smtp_is_not_configured_and_alerted_once(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    generated = _store_placeholder(aws)
    with LabSmtpEndpoint(password=Secret(LAB_PASSWORD)) as lab:
        # Given a new stack: one SMTP target, and the SMTP secret as the stack generated it
        env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([lab_target(lab, "lab")]))
        handler = load_handler("canary")
        # When three scheduled rounds run
        summaries = [invoke(handler, event("canary/scheduled.json")) for _ in range(3)]
        # Then no SMTP session was opened (no AUTH failing with 535 every round)
        assert len(lab.delivered) == 0
    out = capsys.readouterr().out
    for summary in summaries:
        # And each round sent the API path only and names the SMTP target as not configured, with the fix
        assert [path["path"] for path in summary["paths"]] == ["api"]
        [entry] = summary["not_configured"]
        assert (entry["path"], entry["check"]) == ("smtp:lab", "smtp.configured")
        assert "scripts/store-smtp-secret.sh" in entry["detail"]
        assert aws.items(summary["canary_id"]).keys() == {"canary", "path#api", "send#api"}
    # And nothing counts as a failure: no CanaryFailed storm for the composite alarm
    metrics = emf(out)
    assert not [metric for metric in metrics if metric[0] in {"CanaryFailed", "CheckFailed"}]
    assert count(metrics, "CanarySent", Path="api", Target="ses-api:us-east-1") == 3
    # And the operator sees a warning each round, and one alert in all three rounds
    warnings = [line for line in _log_lines(out) if line.get("message") == "SMTP target not configured"]
    assert len(warnings) == 3
    assert {line["level"] for line in warnings} == {"WARNING"}
    alerts = aws.alerts()
    assert [alert["body"]["check"] for alert in alerts] == ["smtp.configured"]
    assert sum(summary["alerts_published"] for summary in summaries) == 1
    # And the generated password is nowhere
    assert generated not in out + json.dumps(summaries) + json.dumps(alerts)


def test_given_stored_credentials_after_the_placeholder_when_a_round_runs_then_smtp_runs_and_the_alert_clears(
    aws: AwsWorld, env: pytest.MonkeyPatch
) -> None:
    _store_placeholder(aws)
    with LabSmtpEndpoint(password=Secret(LAB_PASSWORD)) as lab:
        env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([lab_target(lab, "lab")]))
        handler = load_handler("canary")
        invoke(handler, event("canary/scheduled.json"))
        assert len(aws.alerts()) == 1
        # Given the operator stores real credentials (what scripts/store-smtp-secret.sh does)
        stored = {"username": "mailcanary-lab", "password": LAB_PASSWORD}
        aws.client("secretsmanager").put_secret_value(SecretId=aws.secret_arn, SecretString=json.dumps(stored))
        # When the next round runs
        summary = invoke(handler, event("canary/scheduled.json"))
        # Then the SMTP path is sent and passes, and nothing is reported as not configured
        assert summary["passed"] is True, summary
        assert {path["path"] for path in summary["paths"]} == {"api", "smtp:lab"}
        assert summary["not_configured"] == []
        assert len(lab.delivered) == 1
    # And the alert's state was cleared, so a later episode alerts again
    items = aws.client("dynamodb").scan(TableName=CANARY_TABLE)["Items"]
    assert not [item for item in items if item["pk"]["S"].startswith("alert#smtp:lab#smtp.configured")]


def test_given_only_smtp_chosen_and_the_placeholder_when_a_round_runs_then_nothing_is_written_or_sent(
    aws: AwsWorld, env: pytest.MonkeyPatch
) -> None:
    _store_placeholder(aws)
    env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([{"name": "relay", "host": "127.0.0.1", "port": 1}]))
    handler = load_handler("canary")
    # When a console round asks for the SMTP path only
    summary = invoke(handler, {"paths": ["smtp"]})
    # Then the round reports the target as not configured and writes no canary (only its alert's state)
    assert summary["paths"] == []
    assert [entry["path"] for entry in summary["not_configured"]] == ["smtp:relay"]
    items = aws.client("dynamodb").scan(TableName=CANARY_TABLE)["Items"]
    assert [item["pk"]["S"] for item in items] == ["alert#smtp:relay#smtp.configured"]
