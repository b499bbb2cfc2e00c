"""Client debug logs captured from the real programs (Nodemailer, PHPMailer, swaks, msmtp, curl) on loopback.

Each program runs one scenario against the lab server (see capture_lab); its own debug output is saved as
a user would save it and checked by `mailcanary check-transcript`. A program that is not installed here
skips with the reason (scripts/capture-tools.sh installs them; .ci/run calls it).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from capture_lab import FROM, PASSWORD, REFUSED, SCENARIOS, TO, TOOLS, USER, Lab, lab_server
from judge import judge, rules_of

# aiosmtpd 1.4 itself sets the deprecated Session.login_data after every successful AUTH
pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")

HERE = Path(__file__).resolve().parent
NODEMAILER = TOOLS / "node_modules" / "nodemailer"
PHPMAILER = Path("/usr/share/php/libphp-phpmailer/autoload.php")


def _nodemailer(lab: Lab, scenario: str) -> list[str]:
    return ["node", str(HERE / "nodemailer_capture.js"), str(NODEMAILER), lab.host, str(lab.port), scenario]


def _phpmailer(level: int) -> Callable[[Lab, str], list[str]]:
    def command(lab: Lab, scenario: str) -> list[str]:
        script = str(HERE / "phpmailer_capture.php")
        return ["php", script, str(PHPMAILER), lab.host, str(lab.port), scenario, str(level), str(lab.ca_file)]

    return command


def _swaks(lab: Lab, scenario: str) -> list[str]:
    base = ["swaks", "--server", f"{lab.host}:{lab.port}", "--from", FROM, "--helo", "capture.test"]
    if scenario == "refused-recipient":
        return [*base, "--to", f"{TO},{REFUSED}"]
    if scenario == "auth-before-tls":
        return [*base, "--to", TO, "--auth", "PLAIN", "--auth-user", USER, "--auth-password", PASSWORD]
    return [*base, "--to", TO]


def _msmtp(lab: Lab, scenario: str) -> list[str]:
    recipients = [TO, REFUSED] if scenario == "refused-recipient" else [TO]
    return [
        "msmtp",
        "--debug",
        f"--host={lab.host}",
        f"--port={lab.port}",
        f"--from={FROM}",
        "--tls=off",
        "--auth=off",
        *recipients,
    ]


def _curl(lab: Lab, scenario: str) -> list[str]:
    args = ["curl", "-v", "--url", f"smtp://{lab.host}:{lab.port}", "--mail-from", FROM, "--mail-rcpt", TO]
    args += ["--upload-file", str(HERE / "message.txt")]
    if scenario == "refused-recipient":
        args += ["--mail-rcpt", REFUSED, "--mail-rcpt-allowfails"]
    if scenario == "auth-before-tls":
        args += ["--user", f"{USER}:{PASSWORD}", "--login-options", "AUTH=PLAIN"]
    return args


@dataclass(frozen=True)
class Program:
    format: str
    command: Callable[[Lab, str], list[str]]
    missing: str | None  # why it cannot run here, or None
    scenarios: tuple[str, ...]  # what its real API can produce (the rest it cannot be made to do)


def _missing(binary: str, needed: Path | None = None) -> str | None:
    if shutil.which(binary) is None:
        return f"{binary} is not installed (scripts/capture-tools.sh installs it)"
    if needed is not None and not needed.exists():
        return f"{needed} is missing (scripts/capture-tools.sh installs it)"
    return None


ALL_BUT_GREETING_AND_TLS = tuple(s for s in SCENARIOS if s not in ("mail-before-ehlo", "no-ehlo-after-starttls"))
PROGRAMS = {
    # Nodemailer always greets and always sends EHLO after its own STARTTLS
    "nodemailer": Program("nodemailer", _nodemailer, _missing("node", NODEMAILER), ALL_BUT_GREETING_AND_TLS),
    "phpmailer-2": Program("phpmailer", _phpmailer(2), _missing("php", PHPMAILER), tuple(SCENARIOS)),
    "phpmailer-4": Program("phpmailer", _phpmailer(4), _missing("php", PHPMAILER), ("ok", "refused-recipient")),
    # swaks only sends what a correct client sends, except AUTH without TLS when told to
    "swaks": Program("swaks", _swaks, _missing("swaks"), ("ok", "refused-recipient", "auth-before-tls")),
    # msmtp and curl send correct sessions only (curl sends AUTH in clear text when told to)
    "msmtp": Program("msmtp", _msmtp, _missing("msmtp"), ("ok", "refused-recipient")),
    "curl": Program("curl", _curl, _missing("curl"), ("ok", "refused-recipient", "auth-before-tls")),
}
CASES = [(program, scenario) for program, p in PROGRAMS.items() for scenario in p.scenarios]


def capture(tmp_path: Path, program: Program, scenario: str) -> Path:
    message = (HERE / "message.txt").read_bytes()
    with lab_server(tmp_path) as lab:
        args = program.command(lab, scenario)
        done = subprocess.run(args, input=message, capture_output=True, timeout=60, check=False)
    path = tmp_path / f"{scenario}.{program.format}.log"
    # curl writes its -v output to stderr, with the progress meter; the others write to stdout
    path.write_bytes(done.stderr if program.format == "curl" else done.stdout)
    return path


@pytest.mark.parametrize(("program", "scenario"), CASES)
def test_given_a_real_client_debug_log_when_checked_then_the_scenario_is_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], program: str, scenario: str
) -> None:
    chosen = PROGRAMS[program]
    if chosen.missing:
        pytest.skip(chosen.missing)
    expected = SCENARIOS[scenario]
    # Given the program's own debug output of the scenario
    path = capture(tmp_path, chosen, scenario)
    # When checked (format detected)
    code, report = judge(path, capsys)
    # Then the format is recognised and the verdict names exactly the scenario's rules; no secret is shown
    assert report["format"] == chosen.format
    assert rules_of(report) == set(expected.rules)
    assert (code, report["valid"]) == ((0, True) if expected.valid else (1, False))
    assert PASSWORD not in capsys.readouterr().out + str(report)


@pytest.mark.parametrize("program", ["nodemailer", "phpmailer-2", "swaks", "msmtp", "curl"])
def test_given_a_refused_recipient_when_a_client_logged_it_then_no_sequence_error_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], program: str
) -> None:
    chosen = PROGRAMS[program]
    if chosen.missing:
        pytest.skip(chosen.missing)
    path = capture(tmp_path, chosen, "refused-recipient")
    assert b"550 5.1.1" in path.read_bytes()
    code, report = judge(path, capsys)
    assert (code, report["violations"], report["server_refusals"]) == (0, [], [])
