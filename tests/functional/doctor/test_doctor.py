"""`mailcanary doctor` against a deployed stack on moto (and the Stubber where moto has no such call): each check
group passes on a healthy deployment and says what is wrong, with the fix, on a broken or brand-new one."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from typing import Any

import pytest
from doctor_world import ALARMS, NOW, REGION, STACK, DoctorWorld, put_canaries

from mailcanary.cli.doctor import EXIT_STACK_UNREADABLE, render, run
from mailcanary.doctor import Report, Status, run_doctor
from mailcanary.round.smtp_secret import PLACEHOLDER_USERNAME

pytestmark = pytest.mark.functional


def _doctor(world: DoctorWorld) -> Report:
    return run_doctor(STACK, REGION, world.clients(), lambda: NOW)


def _by_check(report: Report) -> dict[str, tuple[Status, str, str]]:
    return {finding.check: (finding.status, finding.evidence, finding.fix) for finding in report.findings}


def _args(**values: Any) -> argparse.Namespace:
    return argparse.Namespace(**({"stack": STACK, "region": REGION, "json": False} | values))


def test_given_a_healthy_stack_when_the_doctor_runs_then_every_check_passes(world: DoctorWorld) -> None:
    # Given a deployment that sent a canary five minutes ago
    put_canaries(world, NOW - timedelta(minutes=5), sent=2)
    # When the doctor runs
    report = _doctor(world)
    checks = _by_check(report)
    # Then every check group reported, and all passed
    assert set(checks) == {
        "ses.identity",
        "ses.dkim",
        "ses.mail_from",
        "ses.sending",
        "ses.enforcement",
        "ses.production",
        "ses.quota",
        "ses.configuration_set",
        "sns.topic_policy",
        "smtp.secret",
        "cloudwatch.alarms",
        "canary.last_run",
    }
    assert {status for status, _, _ in checks.values()} == {Status.PASS}, checks
    assert "example.com is verified" in checks["ses.identity"][1]
    assert "sent 1200 of 50000" in checks["ses.quota"][1]
    assert "2 path(s) sent" in checks["canary.last_run"][1]
    assert not report.failed


def test_given_a_new_stack_when_the_doctor_runs_then_the_first_hour_is_explained(world: DoctorWorld) -> None:
    # Given a stack deployed three minutes ago: the secret still holds the placeholder, no canary sent yet
    world.created = NOW - timedelta(minutes=3)
    secrets = world.client("secretsmanager")
    placeholder = {"username": PLACEHOLDER_USERNAME, "password": "GeneratedRandomValue1"}
    secrets.put_secret_value(SecretId=world.secret_arn, SecretString=json.dumps(placeholder))
    world.client("cloudwatch").set_alarm_state(
        AlarmName=f"{STACK}-HeartbeatArmedAlarm", StateValue="INSUFFICIENT_DATA", StateReason="no data"
    )
    # When the doctor runs
    report = _doctor(world)
    checks = _by_check(report)
    # Then the SMTP secret fails with the command that fixes it, and nothing else fails
    assert checks["smtp.secret"][0] is Status.FAIL
    assert "placeholder" in checks["smtp.secret"][1]
    assert "scripts/store-smtp-secret.sh" in checks["smtp.secret"][2]
    assert [f.check for f in report.findings if f.status is Status.FAIL] == ["smtp.secret"]
    # And the unarmed heartbeat and the missing first canary are warnings, not failures
    assert checks["cloudwatch.heartbeat"][0] is Status.WARN
    assert checks["canary.last_run"][0] is Status.WARN
    assert "3 min old" in checks["canary.last_run"][1]
    # And the generated password is not in the report
    assert "GeneratedRandomValue1" not in render(report) + json.dumps(report.to_dict())


def test_given_a_broken_deployment_when_the_doctor_runs_then_each_failure_has_evidence_and_a_fix(
    world: DoctorWorld,
) -> None:
    # Given an unverified sender, a configuration set without the topic, a topic SES may not publish to,
    # a paused account in probation, an alarm firing, and a last canary two hours old that failed
    world.parameters["SenderAddress"] = "canary@unverified.example"
    # (moto keeps a deleted configuration set's destination: the stack's set is another one here)
    world.configuration_set = "mailcanary-bare"
    world.client("ses").create_configuration_set(ConfigurationSet={"Name": "mailcanary-bare"})
    world.client("sns").set_topic_attributes(
        TopicArn=world.topic_arn, AttributeName="Policy", AttributeValue=json.dumps({"Statement": []})
    )
    world.account |= {"SendingEnabled": False, "EnforcementStatus": "PROBATION"}
    world.client("cloudwatch").set_alarm_state(
        AlarmName=f"{STACK}-CanaryFailedAlarm", StateValue="ALARM", StateReason="Threshold Crossed"
    )
    put_canaries(world, NOW - timedelta(hours=2), sent=2, failed=1)
    # When the doctor runs
    checks = _by_check(_doctor(world))
    # Then each is a failure (probation a warning) with what was seen and what to do
    expected = {
        "ses.identity": ("unverified.example", "verify unverified.example"),
        "ses.sending": ("paused", "resume"),
        "ses.enforcement": ("PROBATION", "Account dashboard"),
        "ses.configuration_set": ("no enabled SNS event destination", "redeploy"),
        "sns.topic_policy": ("does not let ses.amazonaws.com publish", "SesEventTopicPolicy"),
        "cloudwatch.alarms": ("CanaryFailedAlarm (Threshold Crossed)", "alerts"),
        "canary.last_run": ("1 failed at send time - overdue", "CanaryFunction-X"),
    }
    for check, (evidence, fix) in expected.items():
        status, seen, told = checks[check]
        assert status is (Status.WARN if check == "ses.enforcement" else Status.FAIL), check
        assert evidence in seen, (check, seen)
        assert fix in told, (check, told)


def test_given_no_permission_for_one_group_when_the_doctor_runs_then_that_group_warns_and_the_rest_run(
    world: DoctorWorld,
) -> None:
    world.account_error = "AccessDeniedException"
    checks = _by_check(_doctor(world))
    assert checks["ses.account"] == (
        Status.WARN,
        "not checked: AccessDeniedException",
        "the caller needs ses:GetAccount",
    )
    assert checks["smtp.secret"][0] is Status.PASS


def test_given_missing_event_types_and_an_alarm_gone_when_checked_then_both_are_named(world: DoctorWorld) -> None:
    world.configuration_set = "mailcanary-partial"
    ses = world.client("ses")
    ses.create_configuration_set(ConfigurationSet={"Name": "mailcanary-partial"})
    ses.create_configuration_set_event_destination(
        ConfigurationSetName="mailcanary-partial",
        EventDestination={
            "Name": "partial",
            "Enabled": True,
            "MatchingEventTypes": ["send", "delivery"],
            "SNSDestination": {"TopicARN": world.topic_arn},
        },
    )
    world.client("cloudwatch").delete_alarms(AlarmNames=[f"{STACK}-{ALARMS[0]}"])
    checks = _by_check(_doctor(world))
    assert "not bounce, complaint, deliveryDelay, reject, renderingFailure" in checks["ses.configuration_set"][1]
    assert checks["cloudwatch.alarms"][:2] == (Status.FAIL, f"alarms missing in CloudWatch: {ALARMS[0]}")


def test_given_the_cli_when_run_then_lines_json_and_exit_codes(
    world: DoctorWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    put_canaries(world, NOW - timedelta(minutes=5), sent=2)
    # When the command runs on the healthy stack, Then exit 0 and one line per check, then the counts
    assert run(_args(), clients=world.clients()) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == f"stack {STACK} ({REGION})"
    assert text.splitlines()[-1] == "doctor: 12 passed, 0 warnings, 0 failed"
    assert any(line.startswith("pass  ses.identity") for line in text.splitlines())
    # And with a failure and --json, Then exit 1 and the findings as JSON
    world.client("secretsmanager").put_secret_value(SecretId=world.secret_arn, SecretString="not json")
    assert run(_args(json=True), clients=world.clients()) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["counts"] == {"pass": 11, "warn": 0, "fail": 1}
    [failed] = [each for each in document["findings"] if each["status"] == "fail"]
    assert (failed["check"], failed["fix"]) == (
        "smtp.secret",
        "run scripts/store-smtp-secret.sh (README, SMTP credentials)",
    )


def test_given_no_such_stack_when_the_cli_runs_then_exit_3_with_one_line(
    world: DoctorWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given moto's CloudFormation, which has no stack of that name
    def moto_only(service: str, region: str) -> Any:
        return world.client(service, region)

    assert run(_args(stack="absent"), clients=moto_only) == EXIT_STACK_UNREADABLE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == "mailcanary doctor: cannot read stack 'absent' in us-east-1: ValidationError"
