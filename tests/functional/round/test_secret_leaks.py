"""A hostile SMTP server quotes the credentials back in every form; none of them may leave mailcanary.

The server (hostile_smtp.py) runs on 127.0.0.1 with STARTTLS and refuses AUTH with a 535 or 501 reply that
quotes the AUTH PLAIN blob with and without an authzid, AUTH LOGIN's base64 lines, the password as sent and
upper-cased, and the blob broken over two reply lines. `mailcanary smtp-probe` runs as a real subprocess; the
canary round runs through its real Lambda handler on moto, with the secret read from moto's Secrets Manager.
Every output is searched for every form: stdout and stderr, log lines and EMF lines, the SNS alerts (read
through an SQS subscription), every DynamoDB item, every S3 artifact of the round and the round's summary.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from handlers import count, emf, event, invoke, load_handler
from hostile_smtp import HostileSmtp, credential_forms

from mailcanary.core.errors import UsageError
from mailcanary.lab.certs import LabCertificates, make_certificates
from tests.support.aws_world import CANARY_TABLE, SENDER, AwsWorld

ROOT = Path(__file__).resolve().parents[3]
USERNAME = "AKIAHOSTILETEST12345"
PASSWORD = "Sm7p-Secret/Value+with=odd-chars9"  # base64-alphabet characters inside, letters in both cases
PASSWORD_ENV = "MAILCANARY_TEST_SMTP_PASSWORD"


@pytest.fixture
def certs(tmp_path: Path) -> LabCertificates:
    return make_certificates(tmp_path)


@pytest.fixture
def env(env: pytest.MonkeyPatch, aws: AwsWorld) -> pytest.MonkeyPatch:
    """The function environment of conftest's `env`; the SMTP secret holds USERNAME and PASSWORD."""
    aws.client("secretsmanager").put_secret_value(
        SecretId=aws.secret_arn, SecretString=json.dumps({"username": USERNAME, "password": PASSWORD})
    )
    return env


def leaks(**outputs: str) -> list[tuple[str, str]]:
    """(output, form) for every credential form found in any output."""
    forms = credential_forms(USERNAME, PASSWORD)
    return [(where, name) for where, text in outputs.items() for name, form in forms.items() if form in text]


ARTIFACT_BUCKET = "mailcanary-artifacts-leaks"


def _artifacts(aws: AwsWorld) -> dict[str, str]:
    """Every artifact the round wrote, by key (the bodies as text: they are the round's transcripts and MIME)."""
    s3 = aws.client("s3")
    listed = s3.list_objects_v2(Bucket=ARTIFACT_BUCKET).get("Contents", [])
    assert listed, "the round wrote no artifacts"
    return {
        each["Key"]: s3.get_object(Bucket=ARTIFACT_BUCKET, Key=each["Key"])["Body"].read().decode("utf-8")
        for each in listed
    }


def _target(server: HostileSmtp, certs: LabCertificates, name: str) -> dict[str, Any]:
    return {"name": name, "host": server.host, "port": server.port, "tls": "starttls", "ca_file": str(certs.ca_file)}


OUTPUT_MODES = {"text": [], "json": ["--json"], "plugin": ["--plugin-output", "--certificate-days", "30"]}


@pytest.mark.parametrize(
    ("mechanism", "refusal", "mode"),
    [
        ("PLAIN", 535, "text"),
        ("PLAIN", 501, "json"),
        ("LOGIN", 535, "json"),
        ("LOGIN", 501, "text"),
        ("PLAIN", 535, "plugin"),
        ("LOGIN", 501, "plugin"),
    ],
)
def test_given_a_server_echoing_the_credentials_when_smtp_probe_runs_then_no_form_reaches_its_output(
    certs: LabCertificates, mechanism: str, refusal: int, mode: str
) -> None:
    # Given a hostile server that quotes every form of the credentials in its AUTH refusal
    with HostileSmtp(certs.server_context, mechanism=mechanism, refusal=refusal) as server:
        # When smtp-probe authenticates to it, as a real process
        command = [sys.executable, "-m", "mailcanary", "smtp-probe", "--server", f"{server.host}:{server.port}"]
        command += ["--ca-file", str(certs.ca_file), "--auth-user", USERNAME, "--auth-password-env", PASSWORD_ENV]
        command += ["--from", SENDER, "--to", "success@simulator.amazonses.com", *OUTPUT_MODES[mode]]
        environment = {k: v for k, v in os.environ.items() if not k.startswith("MAILCANARY_")}
        done = subprocess.run(  # our own CLI, arguments built above
            command,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=ROOT,
            env=environment | {PASSWORD_ENV: PASSWORD, "PYTHONPATH": str(ROOT / "shared")},
        )
    # Then the server did receive the credentials and refused them (so there was something to leak)
    assert any(line.upper().startswith("AUTH") for line in server.received), server.received
    assert done.returncode == 2 if mode == "plugin" else done.returncode not in (0, 1, 2), done.stderr
    # And no form of them is in stdout or stderr, while the refusal itself is shown, masked
    assert leaks(stdout=done.stdout, stderr=done.stderr) == []
    assert "<redacted>" in done.stdout
    if mode == "plugin":
        assert done.stdout.startswith(f"SMTP CRITICAL - {server.host}:{server.port} failed at auth (exit 28): ")
    if mode == "json":
        result = json.loads(done.stdout)["result"]
        assert result["stage"] == "auth"
        assert result["failure_reply"]["code"] == refusal
        assert "<redacted>" in result["error"]


@pytest.mark.parametrize(("mechanism", "refusal"), [("PLAIN", 535), ("LOGIN", 501)])
def test_given_a_configured_target_echoing_the_credentials_when_a_round_runs_then_no_form_leaves_the_function(
    aws: AwsWorld,
    env: pytest.MonkeyPatch,
    certs: LabCertificates,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    mechanism: str,
    refusal: int,
) -> None:
    caplog.set_level(logging.DEBUG, logger="mailcanary.smtp")  # the session's transcript lines (not botocore's)
    with HostileSmtp(certs.server_context, mechanism=mechanism, refusal=refusal) as server:
        # Given a configured SMTP target (so it authenticates with the secret) that echoes the credentials
        env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([_target(server, certs, "hostile")]))
        aws.client("s3").create_bucket(Bucket=ARTIFACT_BUCKET)  # and a stack that keeps the round's artifacts
        env.setenv("MAILCANARY_ARTIFACT_BUCKET", ARTIFACT_BUCKET)
        handler = load_handler("canary")
        # When the scheduled round runs through the real handler
        summary = invoke(handler, event("canary/scheduled.json"))
    out = capsys.readouterr()
    # Then the target got the credentials and the round failed it at AUTH, with metrics and an alert
    assert any(line.upper().startswith("AUTH") for line in server.received), server.received
    smtp = next(path for path in summary["paths"] if path["path"] == "smtp:hostile")
    assert {v["check"]: v["passed"] for v in smtp["verdicts"]}["smtp.transport"] is False
    assert count(emf(out.out), "CheckFailed", Check="smtp.transport") == 1
    alerts = aws.alerts()
    assert [alert["body"]["check"] for alert in alerts] == ["smtp.transport"]
    assert "<redacted>" in json.dumps(alerts)  # the echo reached the alert, masked
    assert "failed at auth" in caplog.text  # the session's own log line was captured and searched below
    items = aws.client("dynamodb").scan(TableName=CANARY_TABLE)["Items"]
    assert any("failed_checks" in item for item in items)
    artifacts = _artifacts(aws)
    transcript = next(body for key, body in artifacts.items() if key.endswith("/paths/smtp_hostile/transcript.txt"))
    assert "<redacted>" in transcript  # the echo reached the transcript artifact, masked
    # And no form of the credentials is in any output
    assert (
        leaks(
            stdout_logs_and_emf=out.out,
            stderr=out.err,
            python_logging=caplog.text,
            summary=json.dumps(summary),
            sns_alerts=json.dumps(alerts),
            dynamodb=json.dumps(items),
            **{f"s3:{key}": body for key, body in artifacts.items()},
        )
        == []
    )


def test_given_an_ad_hoc_target_in_a_console_event_when_the_round_runs_then_it_gets_no_auth(
    aws: AwsWorld, env: pytest.MonkeyPatch, certs: LabCertificates, capsys: pytest.CaptureFixture[str]
) -> None:
    with HostileSmtp(certs.server_context) as server:
        # Given a console event naming a host of its own (AUTH offered, the deployment's secret configured)
        handler = load_handler("canary")
        # When the round runs
        summary = invoke(handler, {"paths": ["smtp"], "targets": [_target(server, certs, "adhoc")]})
    capsys.readouterr()
    # Then the host received the canary but never an AUTH command, nor any form of the credentials
    received = "\n".join(server.received)
    assert any(line.upper().startswith("MAIL FROM") for line in server.received), server.received
    assert not any(line.upper().startswith("AUTH") for line in server.received), server.received
    assert leaks(received_by_the_host=received) == []
    [path] = summary["paths"]
    assert {v["check"]: v["passed"] for v in path["verdicts"]}["smtp.transport"] is True


def test_given_an_ad_hoc_target_asking_for_auth_when_the_console_event_arrives_then_refused_before_any_connection(
    aws: AwsWorld, env: pytest.MonkeyPatch, certs: LabCertificates
) -> None:
    with HostileSmtp(certs.server_context) as server:
        # Given a console event that points the round at its own host and asks for AUTH
        handler = load_handler("canary")
        target = _target(server, certs, "harvest") | {"auth": True}
        # When it arrives
        # Then it is refused with a typed error naming the reason, and the host never sees a connection
        with pytest.raises(UsageError, match="never receives the deployment's SMTP credentials"):
            invoke(handler, {"paths": ["smtp"], "targets": [target]})
    assert server.connections == 0
    assert aws.client("dynamodb").scan(TableName=CANARY_TABLE)["Items"] == []
