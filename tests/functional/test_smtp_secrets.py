"""The AUTH password never reaches the transcript, the logs, or smtp-probe's human or JSON output."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from mailcanary.cli import main
from mailcanary.core.secret import Secret
from mailcanary.lab.faults import SmtpFault
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint
from mailcanary.smtp import ExitCode, send_canary
from mailcanary.smtp.probe_message import build_probe_message

USER = "canary-user"
PASSWORD = "Pw-7x!q9-correct-horse-battery"
ENV_VAR = "MAILCANARY_TEST_SMTP_PASSWORD"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Every form the password takes on the wire: raw, AUTH LOGIN's base64, AUTH PLAIN's base64 blob.
FORBIDDEN = (PASSWORD, _b64(PASSWORD), _b64(f"\0{USER}\0{PASSWORD}"))


def assert_no_secret(text: str) -> None:
    for form in FORBIDDEN:
        assert form not in text


@pytest.fixture(params=["PLAIN", "LOGIN"])
def endpoint(request: pytest.FixtureRequest) -> Iterator[LabSmtpEndpoint]:
    with LabSmtpEndpoint(username=USER, password=Secret(PASSWORD), auth_mechanisms=[request.param]) as running:
        yield running


def test_given_auth_session_when_logged_at_debug_then_password_absent_from_transcript_and_logs(
    endpoint: LabSmtpEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    # Given DEBUG logging for everything; When a canary authenticates
    caplog.set_level(logging.DEBUG)
    message = build_probe_message("canary@example.com", ["to@example.com"])
    result = send_canary(endpoint.target(), "canary@example.com", ["to@example.com"], message.content)
    # Then it authenticated, yet no form of the password is in the transcript, its JSON, or any log record
    assert result.exit_code is ExitCode.OK
    assert result.authenticated
    assert any("<redacted>" in line.text for line in result.transcript)
    assert_no_secret(result.transcript.render())
    assert_no_secret(repr(result.to_dict()))
    assert_no_secret(repr(endpoint.target()))
    assert any(record.name.startswith("mailcanary") for record in caplog.records)
    assert_no_secret("\n".join(record.getMessage() for record in caplog.records))


def test_given_failed_auth_when_reported_then_password_absent(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with LabSmtpEndpoint(username=USER, password=Secret(PASSWORD), faults={SmtpFault.AUTH_FAIL_535}) as failing:
        result = send_canary(failing.target(), "canary@example.com", ["to@example.com"], b"Subject: x\r\n\r\nx\r\n")
    assert result.exit_code is ExitCode.AUTH
    assert_no_secret(repr(result.to_dict()) + (result.error or ""))
    assert_no_secret("\n".join(record.getMessage() for record in caplog.records))


def _probe_args(endpoint: LabSmtpEndpoint, *extra: str) -> list[str]:
    return [
        "smtp-probe",
        "--server",
        f"{endpoint.host}:{endpoint.port}",
        "--ca-file",
        str(endpoint.ca_file),
        "--auth-user",
        USER,
        "--auth-password-env",
        ENV_VAR,
        "--from",
        "canary@example.com",
        "--to",
        "to@example.com",
        "--bcc",
        "hidden@example.com",
        *extra,
    ]


@pytest.mark.parametrize("extra", [(), ("--json",), ("--json", "--conformance")])
def test_given_smtp_probe_when_run_in_process_then_output_has_no_password(
    endpoint: LabSmtpEndpoint,
    extra: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(ENV_VAR, PASSWORD)
    code = main(_probe_args(endpoint, *extra))
    captured = capsys.readouterr()
    assert code == 0
    assert "AUTH" in captured.out
    assert_no_secret(captured.out + captured.err)
    assert_no_secret("\n".join(record.getMessage() for record in caplog.records))


def test_given_smtp_probe_when_run_as_module_then_output_has_no_password(endpoint: LabSmtpEndpoint) -> None:
    # Given the password only in the environment; When `python -m mailcanary smtp-probe --json` runs
    environment = dict(os.environ, **{ENV_VAR: PASSWORD})
    completed = subprocess.run(
        [sys.executable, "-m", "mailcanary", *_probe_args(endpoint, "--json")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    # Then it passed and neither stdout nor stderr holds the password
    assert completed.returncode == 0, completed.stderr
    assert '"authenticated": true' in completed.stdout
    assert_no_secret(completed.stdout + completed.stderr)
