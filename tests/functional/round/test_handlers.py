"""Every file in events/ through its real handler under moto: the EMF on stdout, the DynamoDB record, the
SNS alert (read from an SQS queue subscribed to the alert topic). The SMTP path talks to the lab endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from handlers import count, emf, event, invoke, load_handler
from round_world import LAB_PASSWORD, lab_target

from mailcanary.core.secret import Secret
from mailcanary.lab.faults import SmtpFault
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint
from mailcanary.store import CanaryStore, PathKind, new_canary, new_path
from tests.support.aws_world import CANARY_TABLE, AwsWorld

EXAMPLE_MESSAGE_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"  # in every events/ses_events file


def _no_secret_anywhere(*texts: str) -> None:
    for text in texts:
        assert LAB_PASSWORD not in text


def test_given_the_scheduled_event_when_the_canary_handler_runs_then_both_paths_are_sent_and_pending(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with LabSmtpEndpoint(password=Secret(LAB_PASSWORD)) as lab:
        # Given one configured SMTP target (the lab endpoint) and the API path on moto
        env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([lab_target(lab, "lab")]))
        handler = load_handler("canary")
        # When EventBridge's scheduled event arrives
        summary = invoke(handler, event("canary/scheduled.json"))
    out = capsys.readouterr()
    # Then both paths passed their send-time checks
    assert summary["passed"] is True, summary
    assert summary["trigger"] == "schedule"
    metrics = emf(out.out)
    assert count(metrics, "CanarySent", Path="api", Target="ses-api:us-east-1") == 1
    assert count(metrics, "CanarySent", Path="smtp", Target="lab") == 1
    assert count(metrics, "CanarySent") == 2  # the rollup the heartbeat alarm watches
    assert count(metrics, "SendLatency", Path="smtp", Target="lab") == 1
    assert not [m for m in metrics if m[0] in {"CanaryFailed", "CheckFailed"}]
    # And the canary waits for SES's events in DynamoDB
    canary = aws.canary(summary["canary_id"])
    sent = {path["path"]: path["ses_message_id"] for path in summary["paths"]}
    # with each path's send on record under the message id SES gave it
    assert (canary.state.value, {path.name: (path.state.value, path.ses_message_id) for path in canary.paths}) == (
        "pending",
        {"api": ("pending", sent["api"]), "smtp:lab": ("pending", sent["smtp:lab"])},
    )
    assert "pending_shard" in aws.items(summary["canary_id"])["canary"]  # listed in the sweeper's index
    # And no alert went out
    assert aws.alerts() == []
    _no_secret_anywhere(out.out, out.err, json.dumps(summary))


def test_given_an_smtp_target_when_a_round_runs_then_its_certificate_days_left_are_published(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the lab endpoint presenting a certificate that expires in 9 days
    expiry = datetime.now(UTC) + timedelta(days=9)
    with LabSmtpEndpoint(password=Secret(LAB_PASSWORD), certificate_not_after=expiry) as lab:
        env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([lab_target(lab, "lab")]))
        handler = load_handler("canary")
        # When a scheduled round runs
        summary = invoke(handler, event("canary/scheduled.json"))
    metrics = emf(capsys.readouterr().out)
    # Then CertificateDaysLeft is published for the target and as the rollup the alarm watches, about 9 days
    by_target = [
        value for name, dims, value in metrics if name == "CertificateDaysLeft" and dims.get("Target") == "lab"
    ]
    rollup = [value for name, dims, value in metrics if name == "CertificateDaysLeft" and not dims]
    assert by_target == rollup
    (days,) = by_target[0] if isinstance(by_target[0], list) else by_target
    assert 8.9 < float(days) <= 9.0
    # And the API path (no certificate of ours to read) publishes none, and the summary carries the expiry
    assert not [dims for name, dims, _ in metrics if name == "CertificateDaysLeft" and dims.get("Path") == "api"]
    smtp = next(path for path in summary["paths"] if path["path"] == "smtp:lab")
    assert abs(datetime.fromisoformat(smtp["certificate_not_after"]) - expiry) < timedelta(seconds=2)


def test_given_the_console_event_and_a_503_on_data_when_handled_then_smtp_sequence_fails_alone_and_alerts(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the console event's target "ses-smtp" is a server that answers DATA with 503 after an accepted RCPT
    with LabSmtpEndpoint(password=Secret(LAB_PASSWORD), faults={SmtpFault.DATA_BEFORE_RCPT}) as lab:
        env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([lab_target(lab, "ses-smtp")]))
        handler = load_handler("canary")
        # When the console's test event (both paths, explicit recipients, conformance probe) runs
        summary = invoke(handler, event("canary/console-overrides.json"))
    out = capsys.readouterr()
    by_path = {path["path"]: path for path in summary["paths"]}
    smtp = {verdict["check"]: verdict["passed"] for verdict in by_path["smtp:ses-smtp"]["verdicts"]}
    # Then exactly smtp.sequence fails; the transport verdict leaves the refusal to it; the probe passed
    assert smtp == {"smtp.transport": True, "smtp.sequence": False, "smtp.conformance": True}
    assert all(verdict["passed"] for verdict in by_path["api"]["verdicts"])
    assert by_path["api"]["envelope"] == [
        "success+console@simulator.amazonses.com",
        "ooto+console@simulator.amazonses.com",
        "bounce+console@simulator.amazonses.com",
    ]
    metrics = emf(out.out)
    assert count(metrics, "CheckFailed", Check="smtp.sequence") == 1
    assert count(metrics, "CanaryFailed", Path="smtp", Target="ses-smtp") == 1
    assert count(metrics, "CanaryFailed") == 1
    # And the SMTP path is decided failed at once in DynamoDB
    path = aws.canary(summary["canary_id"]).path("smtp:ses-smtp")
    assert path is not None
    assert path.state.value == "failed"
    assert "smtp.sequence" in [failed.check.value for failed in path.failed_checks]
    # And one alert names the check, with a transcript excerpt and no secret
    [alert] = aws.alerts()
    assert "smtp.sequence" in alert["subject"]
    assert (alert["body"]["check"], alert["body"]["path"]) == ("smtp.sequence", "smtp:ses-smtp")
    assert any("DATA" in line for line in alert["body"]["transcript_excerpt"])
    _no_secret_anywhere(
        out.out,
        out.err,
        json.dumps(summary),
        json.dumps(alert),
        json.dumps(aws.items(summary["canary_id"]), default=str),
    )


def test_given_the_envelope_console_event_when_handled_then_header_vs_envelope_fails_and_alerts(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = load_handler("canary")
    summary = invoke(handler, event("canary/console-envelope.json"))
    metrics = emf(capsys.readouterr().out)
    [api] = summary["paths"]
    assert {v["check"]: v["passed"] for v in api["verdicts"]} == {
        "ses.api": True,
        "recipients.header_vs_envelope": False,
    }
    assert api["envelope"] == ["success+console@simulator.amazonses.com"]
    assert count(metrics, "CheckFailed", Check="recipients.header_vs_envelope") == 1
    assert aws.state(summary["canary_id"], "api") == "failed"
    [alert] = aws.alerts()
    assert alert["body"]["check"] == "recipients.header_vs_envelope"
    assert "ooto+console@simulator.amazonses.com" in alert["body"]["detail"]


def _pending_canary(
    aws: AwsWorld, envelope: str, *, created_at: datetime, message_id: str = EXAMPLE_MESSAGE_ID
) -> None:
    deadline = created_at + timedelta(minutes=15)
    path = new_path(
        "c-example",
        "api",
        PathKind.API,
        "ses-api:us-east-1",
        deadline=deadline,
        envelope=[envelope],
        ses_message_id=message_id,
        sent_at=created_at,
    )
    CanaryStore(aws.client("dynamodb"), CANARY_TABLE).create(new_canary("c-example", [path], created_at=created_at))


# file -> (recipient on the canary's envelope, path state after, CheckFailed expected, EMF that must appear)
SES_CASES: dict[str, tuple[str, str, str | None, tuple[str, dict[str, str]]]] = {
    "sns-delivery.json": (
        "recipient@example.com",
        "passed",
        None,
        ("CanaryPassed", {"Path": "api", "Target": "ses-api:us-east-1"}),
    ),
    "sns-bounce.json": (
        "recipient@example.com",
        "failed",
        "outcome.unexpected_bounce",
        ("Bounce", {"BounceType": "Permanent"}),
    ),
    "sns-complaint.json": (
        "recipient@example.com",
        "failed",
        "outcome.unexpected_complaint",
        ("CanaryFailed", {"Path": "api", "Target": "ses-api:us-east-1"}),
    ),
    "sns-reject.json": (
        "sender@example.com",
        "failed",
        "outcome.reject",
        ("CanaryFailed", {"Path": "api", "Target": "ses-api:us-east-1"}),
    ),
}


@pytest.mark.parametrize("name", sorted(SES_CASES))
def test_given_an_sns_wrapped_ses_event_when_the_handler_runs_then_the_path_is_decided_with_metrics_and_alerts(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    recipient, state, check, (metric, dimensions) = SES_CASES[name]
    # Given a pending canary whose API path SES gave the example's message id
    _pending_canary(aws, recipient, created_at=datetime(2015, 1, 1, tzinfo=UTC))
    handler = load_handler("ses_events")
    # When SNS delivers the event
    summary = invoke(handler, event(f"ses_events/{name}"))
    metrics = emf(capsys.readouterr().out)
    # Then the path and the canary are decided
    assert summary["events"] == {"applied": 1}
    assert (aws.state("c-example", "api"), aws.state("c-example")) == (state, state)
    assert count(metrics, metric, **dimensions) == 1
    alerts = aws.alerts()
    if check is None:
        assert alerts == []
        assert count(metrics, "DeliveryLatency", Path="api", Target="ses-api:us-east-1") == 1
    else:
        assert count(metrics, "CheckFailed", Check=check) == 1
        assert [alert["body"]["check"] for alert in alerts] == [check]
        assert summary["alerts_published"] == 1
    # And a redelivery of the same SNS event changes nothing and counts nothing
    again = invoke(handler, event(f"ses_events/{name}"))
    assert again["events"] == {"duplicate": 1}
    assert not emf(capsys.readouterr().out)


def test_given_a_delivery_delay_when_the_handler_runs_then_the_canary_keeps_waiting(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _pending_canary(aws, "recipient@example.com", created_at=datetime(2020, 6, 16, tzinfo=UTC))
    handler = load_handler("ses_events")
    summary = invoke(handler, event("ses_events/sns-delivery-delay.json"))
    assert summary["events"] == {"applied": 1}
    assert summary["decided"] == []
    path = aws.canary("c-example").path("api")
    assert path is not None
    assert path.state.value == "pending"
    assert path.events  # the delay is on record for the sweeper's "lost" detail
    assert not [m for m in emf(capsys.readouterr().out) if m[0] != "ColdStart"]
    assert aws.alerts() == []


def test_given_an_overdue_canary_when_the_sweeper_handler_runs_then_it_is_lost_counted_and_alerted(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a canary created an hour ago that SES never reported on
    _pending_canary(aws, "success+c-example@simulator.amazonses.com", created_at=datetime.now(UTC) - timedelta(hours=1))
    handler = load_handler("sweeper")
    # When the scheduled sweep runs
    summary: dict[str, Any] = invoke(handler, event("sweeper/scheduled.json"))
    metrics = emf(capsys.readouterr().out)
    # Then it is lost, counted for the CanaryLost alarm, and alerted once
    assert summary["lost"] == ["c-example"]
    assert aws.state("c-example") == "lost"
    assert "pending_shard" not in aws.items("c-example")["canary"]
    assert count(metrics, "CheckFailed", Check="lost") == 1
    assert count(metrics, "CanaryFailed", Path="api", Target="ses-api:us-east-1") == 1
    [alert] = aws.alerts()
    assert alert["body"]["check"] == "lost"
    assert "no Delivery yet" in alert["body"]["detail"]
