"""Python smtplib debug output, captured from the real smtplib (levels 1 and 2) against a loopback server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from capture_lab import SCENARIOS, SMTPLIB_SCRIPT, lab_server
from judge import judge, rules_of

# aiosmtpd 1.4 itself sets the deprecated Session.login_data after every successful AUTH
pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")


def capture(tmp_path: Path, scenario: str, level: int) -> Path:
    """smtplib's own stderr for one scenario, as a user would save it."""
    with lab_server(tmp_path) as lab:
        args = [sys.executable, SMTPLIB_SCRIPT, lab.host, str(lab.port), str(level), scenario, str(lab.ca_file)]
        done = subprocess.run(args, capture_output=True, timeout=60, check=False)
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    path = tmp_path / f"{scenario}.smtplib{level}.log"
    path.write_bytes(done.stderr)
    return path


@pytest.mark.parametrize("level", [1, 2])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_given_a_real_smtplib_debug_log_when_checked_then_the_scenario_is_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, level: int
) -> None:
    scenario = SCENARIOS[name]
    # Given smtplib's debug output of the scenario (debug switched on after connect: no 220 in the log)
    path = capture(tmp_path, name, level)
    assert b"send: " in path.read_bytes()
    # When checked
    code, report = judge(path, capsys)
    # Then it is read as smtplib, and the verdict names exactly the scenario's rules
    assert report["format"] == "smtplib"
    assert report["valid"] is scenario.valid
    assert code == (0 if scenario.valid else 1)
    assert rules_of(report) == set(scenario.rules)
    assert "capture-lab-secret" not in path.read_text() or "capture-lab-secret" not in str(report)


def test_given_a_refused_recipient_when_checked_then_no_sequence_error_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = judge(capture(tmp_path, "refused-recipient", 1), capsys)
    assert (code, report["server_refusals"], report["violations"]) == (0, [], [])
