"""`mailcanary demo` end to end: the real handlers against moto, the SES-like SMTP endpoint and the SES event
emulator on 127.0.0.1 — all green without faults, every fault caught by its own check in the fault matrix,
and nothing left behind (no listening port, no file, the environment as before, no secret in the output)."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailcanary.cli import main
from mailcanary.lab.demo import DemoOptions, run_demo
from mailcanary.lab.matrix import render_matrix, run_matrix
from mailcanary.lab.render import render_report
from mailcanary.lab.report_html import matrix_rows
from mailcanary.lab.results import REPORT_SCHEMA_VERSION
from mailcanary.lab.stack import LabOptions
from mailcanary.report import observability

PASSWORD = "lab-password-that-must-never-show-9f3c"


def _ports(lines: list[str]) -> list[int]:
    return [int(port) for line in lines for port in re.findall(r"127\.0\.0\.1:(\d+)", line)]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_given_no_fault_when_the_demo_runs_then_every_check_passes_and_nothing_is_left_behind() -> None:
    before = dict(os.environ)
    level = logging.getLogger(observability.get_logger().name).level
    progress: list[str] = []
    # When two rounds run
    report = run_demo(DemoOptions(rounds=2, interval=0.0, lab=LabOptions(smtp_password=PASSWORD)), progress.append)
    # Then every check passed on both paths, every canary passed, nothing crashed and no alert went out
    assert report.passed, render_report(report)
    assert report.ok
    assert [each.state for each in report.rounds] == ["passed", "passed"]
    assert {row.path for row in report.rows} == {"api", "smtp:lab", "smtp:relay"}
    assert {"ses.api", "smtp.transport", "smtp.sequence", "recipients.delivered"} <= {row.check for row in report.rows}
    # And the relay's path was decided by its copy, which arrived in the lab's SES inbound
    assert [row.status.value for row in report.rows if row.path == "smtp:relay" and row.check == "delivery"] == [
        "pass",
        "pass",
    ]
    arrived = {total.label: total.count for total in report.metrics if total.name == "ArrivalLatency"}
    assert sum(arrived.values()) == 2, arrived
    assert report.alerts == ()
    sent = {total.label: total.count for total in report.metrics if total.name == "CanarySent"}
    assert sum(sent.values()) >= 6, sent  # three paths x two rounds (plus the rollup)
    # And the lab is gone: no port listening, the environment exactly as before
    ports = _ports(progress)
    assert len(ports) >= 2
    assert not any(_listening(port) for port in ports)
    assert dict(os.environ) == before
    assert logging.getLogger(observability.get_logger().name).level == level
    # And the SMTP password appears nowhere in what the demo shows
    shown = render_report(report) + json.dumps(report.to_dict()) + "\n".join(progress)
    assert PASSWORD not in shown


def _utc(text: str) -> datetime:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text), text
    return datetime.fromisoformat(text)


def test_given_the_cli_when_demo_runs_with_json_then_one_versioned_document_with_round_times_and_exit_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given a report path and an HTML path
    report_path = str(tmp_path / "report.json")
    html_path = tmp_path / "report.html"
    before = datetime.now(UTC)
    # When two rounds run with --json --report --html
    code = main(
        ["demo", "--rounds", "2", "--interval", "0", "--json", "--report", report_path, "--html", str(html_path)]
    )
    after = datetime.now(UTC)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document = json.loads(captured.out)
    # Then one document, the same in the file, of the documented schema version
    assert code == 0, captured.out
    assert document["ok"] is True
    assert document["schema_version"] == REPORT_SCHEMA_VERSION == 1
    assert json.loads(Path(report_path).read_text(encoding="utf-8")) == document
    assert "round 2/2" in captured.err  # the progress display went to stderr
    # And each round says when it started and when its canary was decided, in UTC, in order
    rounds = document["rounds"]
    started = [_utc(each["started_at"]) for each in rounds]
    decided = [_utc(each["decided_at"]) for each in rounds]
    assert before <= started[0] < started[1] <= after
    assert all(start <= end <= after for start, end in zip(started, decided, strict=True))
    # And the HTML page of the same run was written beside it, with its charts
    page = html_path.read_text(encoding="utf-8")
    assert page.count("<svg") >= 3
    assert "2 rounds from" in page
    assert "Failed checks (0)" in page


def test_given_an_unwritable_html_path_when_demo_starts_then_usage_error_before_any_round(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["demo", "--rounds", "1", "--html", str(tmp_path / "missing-dir" / "r.html")])
    captured = capsys.readouterr()
    assert code == 2
    assert "cannot write the report to" in captured.err
    assert "lab up" not in captured.err


def test_given_a_fault_when_the_cli_runs_then_exit_0_only_because_its_check_caught_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["demo", "--rounds", "1", "--interval", "0", "--fault", "rcpt-refused"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fault rcpt-refused: expected smtp.transport; caught" in out


def test_given_an_unknown_fault_when_the_cli_runs_then_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--fault", "no-such-fault"]) == 2
    assert "unknown fault 'no-such-fault'" in capsys.readouterr().err


@pytest.mark.timeout(600)
def test_given_every_fault_when_the_matrix_runs_then_each_is_caught_by_its_own_check_only() -> None:
    before = dict(os.environ)
    matrix = run_matrix(DemoOptions(rounds=1, interval=0.0))
    table = render_matrix(matrix)
    for fault, report in matrix.runs:
        # Then nothing crashed, every canary reached a terminal state, and the fault's own check caught it
        assert not report.crashed, f"{fault.name}: {report.crashed}\n{table}"
        assert report.all_terminal, f"{fault.name}\n{render_report(report)}"
        assert report.ok, f"{fault.name}\n{render_report(report)}\n{table}"
    assert matrix.ok, table
    assert len(matrix.runs) == 27
    assert dict(os.environ) == before
    # And its JSON document is versioned and says when each fault's round ran; its HTML rows agree with the table
    document = matrix.to_dict()
    assert document["schema_version"] == REPORT_SCHEMA_VERSION
    assert all(_utc(each["rounds"][0]["started_at"]) for each in document["faults"])
    rows = matrix_rows(matrix)
    assert [row.fault for row in rows] == [fault.name for fault, _ in matrix.runs]
    assert all(row.ok for row in rows)


def test_given_keep_running_when_interrupted_then_the_run_ends_normally_with_the_rounds_so_far() -> None:
    before = dict(os.environ)
    lines: list[str] = []

    def progress(line: str) -> None:
        lines.append(line)
        if line.startswith("round 2"):
            raise KeyboardInterrupt  # what Ctrl-C does between rounds

    report = run_demo(DemoOptions(interval=0.0, keep_running=True), progress)
    assert [each.number for each in report.rounds] == [1, 2]
    assert report.passed, render_report(report)
    assert "stopping: finishing with the sweeper" in lines
    assert not any(_listening(port) for port in _ports(lines))
    assert dict(os.environ) == before
