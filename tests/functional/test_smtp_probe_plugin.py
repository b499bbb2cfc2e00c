"""`smtp-probe --plugin-output` and `--certificate-days` against the lab SMTP endpoint on 127.0.0.1.

The endpoint's certificate is issued at start with a chosen expiry, so the certificate checks read a real
certificate over a real TLS handshake (STARTTLS and implicit TLS).
"""

from __future__ import annotations

import json
import logging
import re
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from mailcanary.cli import main
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint, LabTls

SENDER, TO = "canary@example.com", "to@example.com"
PASSWORD_ENV = "MAILCANARY_TEST_PLUGIN_PASSWORD"
PLUGIN_LINE = re.compile(r"^SMTP (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+( \| [^\n]+)?$")

StartEndpoint = Callable[..., LabSmtpEndpoint]


@pytest.fixture(autouse=True)
def library_logs_off_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    """In its own process the probe's stdout holds only its output; here, an earlier test may have given the
    library's logger a stdout handler (the Lambda Logger), which would add log lines to what is checked."""
    logger = logging.getLogger("mailcanary")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "propagate", False)


def probe(endpoint: LabSmtpEndpoint, monkeypatch: pytest.MonkeyPatch, *extra: str) -> list[str]:
    monkeypatch.setenv(PASSWORD_ENV, endpoint.password.reveal())
    tls = "wrapper" if endpoint.tls is LabTls.IMPLICIT else "required"
    return [
        "smtp-probe",
        *("--server", f"{endpoint.host}:{endpoint.port}", "--tls", tls, "--ca-file", str(endpoint.ca_file)),
        *("--auth-user", endpoint.username, "--auth-password-env", PASSWORD_ENV),
        *("--from", SENDER, "--to", TO, "--timeout", "5"),
        *extra,
    ]


def perfdata(line: str) -> dict[str, list[str]]:
    return {
        label: value.split(";") for label, _, value in (item.partition("=") for item in line.split(" | ")[1].split())
    }


@pytest.mark.parametrize("tls", [LabTls.STARTTLS, LabTls.IMPLICIT])
def test_given_healthy_server_when_probed_as_plugin_then_ok_line_with_perfdata_and_certificate_days(
    tls: LabTls, start_endpoint: StartEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the lab endpoint with a certificate valid for 200 more days
    endpoint = start_endpoint(tls=tls, certificate_not_after=datetime.now(UTC) + timedelta(days=200))
    # When probed in plugin mode with loose thresholds and a 30/7-day certificate check
    code = main(
        probe(
            endpoint,
            monkeypatch,
            "--plugin-output",
            "--warning",
            "20",
            "--critical",
            "30,dot=25",
            "--certificate-days",
            "30,7",
        )
    )
    out = capsys.readouterr().out
    # Then one OK line in the plugin format, exit 0, and perfdata for the session, its stages and the certificate
    assert code == 0, out
    assert out.count("\n") == 1
    assert PLUGIN_LINE.match(out.strip()), out
    assert out.startswith(f"SMTP OK - {endpoint.host}:{endpoint.port} accepted in ")
    values = perfdata(out.strip())
    assert values["time"][1:] == ["20", "30", "0"]
    assert values["dot"][1:] == ["", "25", "0"]
    assert {"connect", "banner", "ehlo", "auth", "mail", "rcpt", "data", "dot"} <= values.keys()
    assert 199 < float(values["certificate_days"][0]) <= 200
    assert values["certificate_days"][1:] == ["30", "7"]
    # And the message really went through
    assert len(endpoint.delivered) == 1


@pytest.mark.parametrize(("days_left", "option", "expected_code"), [(20, "30,7", 1), (5, "30,7", 2), (5, "30", 1)])
def test_given_certificate_near_expiry_when_probed_as_plugin_then_warning_or_critical(
    days_left: int,
    option: str,
    expected_code: int,
    start_endpoint: StartEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a certificate that expires in `days_left` days
    endpoint = start_endpoint(certificate_not_after=datetime.now(UTC) + timedelta(days=days_left))
    # When probed with --certificate-days
    code = main(probe(endpoint, monkeypatch, "--plugin-output", "--certificate-days", option))
    out = capsys.readouterr().out
    # Then WARNING (1) or CRITICAL (2), naming the certificate
    assert code == expected_code, out
    assert "certificate expires within" in out


def test_given_slow_stage_threshold_when_probed_as_plugin_then_critical_names_the_stage(
    start_endpoint: StartEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a critical bound no real handshake can meet (one microsecond on STARTTLS)
    endpoint = start_endpoint()
    code = main(probe(endpoint, monkeypatch, "--plugin-output", "--critical", "starttls=0.000001"))
    out = capsys.readouterr().out
    # Then CRITICAL, naming the stage and the bound
    assert code == 2, out
    assert re.search(r"starttls \d+\.\d{3}s > critical 1e-06s", out), out


def test_given_nothing_listening_when_probed_as_plugin_then_critical_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a port on 127.0.0.1 where nothing listens
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    # When probed in plugin mode
    code = main(
        [
            "smtp-probe",
            "--server",
            f"127.0.0.1:{port}",
            "--tls",
            "none",
            "--from",
            SENDER,
            "--to",
            TO,
            "--plugin-output",
        ]
    )
    out = capsys.readouterr().out
    # Then CRITICAL with the stage
    assert code == 2
    assert out.startswith(f"SMTP CRITICAL - 127.0.0.1:{port} failed at connect (exit 2): ")


@pytest.mark.parametrize(
    "extra", [["--warning", "fast"], ["--certificate-days", "7,30"], ["--json"], ["--server", "host:99999"]]
)
def test_given_bad_arguments_when_in_plugin_mode_then_unknown_3(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given plugin mode and a mistake in the arguments
    code = main(["smtp-probe", "--server", "127.0.0.1:1", "--from", SENDER, "--to", TO, "--plugin-output", *extra])
    captured = capsys.readouterr()
    # Then UNKNOWN (3) in the plugin format, not the CLI's usage code, and nothing sent
    assert code == 3
    assert captured.out.startswith("SMTP UNKNOWN - ")


def test_given_certificate_days_when_json_then_expiry_and_days_left_reported(
    start_endpoint: StartEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a certificate expiring in 10 days
    expiry = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    endpoint = start_endpoint(certificate_not_after=expiry)
    # When probed with --json and --certificate-days 30
    code = main(probe(endpoint, monkeypatch, "--json", "--certificate-days", "30"))
    document = json.loads(capsys.readouterr().out)
    # Then the usual exit code, and the certificate's expiry, days left and the warning are in the JSON
    assert code == 0
    certificate = document["certificate"]
    assert datetime.fromisoformat(certificate["not_after"]) == expiry
    assert 9.9 < certificate["days_left"] <= 10
    assert certificate["expires_soon"] is True
    assert document["result"]["certificate_not_after"] == certificate["not_after"]


def test_given_certificate_days_when_text_then_a_warning_line(
    start_endpoint: StartEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = start_endpoint(certificate_not_after=datetime.now(UTC) + timedelta(days=3))
    code = main(probe(endpoint, monkeypatch, "--certificate-days", "14"))
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(
        r"=== certificate: expires \d{4}-\d\d-\d\d \d\d:\d\d UTC, in 3\.0 days WARNING: within 14 days", out
    )


def test_given_thresholds_without_plugin_mode_when_run_then_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["smtp-probe", "--server", "127.0.0.1:1", "--from", SENDER, "--to", TO, "--warning", "5"])
    assert code == 2
    assert "--plugin-output" in capsys.readouterr().err
