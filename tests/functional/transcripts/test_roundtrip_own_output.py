"""`smtp-probe` output, text and --json, read back by `check-transcript`: the tool judges what it prints.

The probe runs as a real process (the `mailcanary` command) against the lab endpoint; with --conformance
its deliberately out-of-order commands stay marked in both outputs and are left out of the verdict.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from judge import judge

from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint, LabTls

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")


def probe_output(tmp_path: Path, *, as_json: bool, conformance: bool) -> Path:
    with LabSmtpEndpoint(tls=LabTls.NONE, require_auth=False) as endpoint:
        args = [sys.executable, "-m", "mailcanary", "smtp-probe", "--server", f"{endpoint.host}:{endpoint.port}"]
        args += ["--tls", "none", "--from", "canary@example.com", "--to", "success@simulator.amazonses.com"]
        args += ["--json"] * as_json + ["--conformance"] * conformance
        done = subprocess.run(args, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    path = tmp_path / ("probe.json" if as_json else "probe.txt")
    path.write_bytes(done.stdout)
    return path


@pytest.mark.parametrize("conformance", [False, True], ids=["plain", "conformance"])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_given_smtp_probe_output_when_checked_then_it_reads_back_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool, conformance: bool
) -> None:
    # Given what `mailcanary smtp-probe` printed
    path = probe_output(tmp_path, as_json=as_json, conformance=conformance)
    # When check-transcript reads it back
    code, report = judge(path, capsys)
    # Then it is recognised as our own output and valid; the probe's commands are counted as left out
    assert report["format"] == ("json" if as_json else "smtp-probe")
    assert (code, report["valid"]) == (0, True)
    assert report["commands"] >= 5
    assert (report["probe_commands"] > 0) is conformance


def test_given_both_outputs_of_one_kind_of_run_when_read_then_they_judge_the_same_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, from_text = judge(probe_output(tmp_path, as_json=False, conformance=True), capsys)
    _, from_json = judge(probe_output(tmp_path, as_json=True, conformance=True), capsys)
    assert (from_text["commands"], from_text["probe_commands"]) == (from_json["commands"], from_json["probe_commands"])
