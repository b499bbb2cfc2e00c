"""The HTML report in a real headless browser (Debian's chromium, over the DevTools protocol): a page made from
real demo rounds (one with a fault, so the failure timeline has real evidence), a hostile server's evidence and
a fault-matrix run renders with no console error, requests nothing but its own file, and draws its charts. The
screenshot is kept in tests/artifacts/ (not committed). Skips with the reason where chromium is not installed
(`scripts/browser.sh` installs it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cdp_browser import PageLoad, chromium, load

from mailcanary.cli import main
from mailcanary.core.checks import CanaryState, Check
from mailcanary.html_report import render_html
from mailcanary.lab.catalog import FAULTS
from mailcanary.lab.demo import DemoOptions, run_demo
from mailcanary.lab.matrix import run_matrix
from mailcanary.lab.report_html import matrix_html, matrix_rows
from mailcanary.lab.stack import LabOptions
from mailcanary.store.records import FailedCheck

pytestmark = [
    pytest.mark.process,
    pytest.mark.timeout(300),
    pytest.mark.skipif(chromium() is None, reason="chromium not installed (scripts/browser.sh installs it as root)"),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
HOSTILE = '554 <img src="http://127.0.0.1:9/beacon.png"><script>console.error("injected")</script> \x00'


def _keep(name: str, shot: PageLoad) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(shot.screenshot)
    print(f"screenshot: {path}")
    return path


def test_given_a_report_of_real_rounds_when_chromium_renders_it_then_no_error_no_request_and_the_charts_are_drawn(
    tmp_path: Path,
) -> None:
    # Given two real demo rounds with a fault the SMTP transport check catches, the matrix of two real fault runs,
    # and one more round whose evidence is what a hostile server said
    report = run_demo(DemoOptions(rounds=2, interval=0.0, lab=LabOptions(faults=(FAULTS["rcpt-refused"],))))
    assert len(report.canaries) == 2
    matrix = run_matrix(DemoOptions(rounds=1, interval=0.0), faults=[FAULTS["421-mid-session"], FAULTS["event-lost"]])
    template = report.canaries[0]
    hostile_path = replace(template.paths[-1], failed_checks=(FailedCheck(Check.SMTP_TRANSPORT, HOSTILE),))
    hostile = replace(template, canary_id="hostile", paths=(*template.paths[:-1], hostile_path))
    canaries = [*report.canaries, hostile, *(c for _, run in matrix.runs for c in run.canaries)]
    page = tmp_path / "report.html"
    page.write_text(render_html(canaries, title="browser test", matrix=matrix_rows(matrix)), encoding="utf-8")
    # When chromium loads it from the file
    shot = load(page)
    kept = _keep("html-report.png", shot)
    # Then it loaded, with no console error, and the only request was for the file itself
    assert shot.loaded
    assert shot.console_errors == []
    assert shot.requests == [shot.url]
    # And the four charts are drawn (rendered with a size, with data shapes), and the page runs no script
    dom = shot.dom
    titles = [chart["title"] for chart in dom["charts"]]
    assert titles[:2] == ["Success rate per path (%)", "Success rate per check (%)"]
    assert {"send latency (s)", "delivery latency (s)"} <= set(titles)
    assert all(chart["width"] > 100 and chart["height"] > 100 and chart["shapes"] > 0 for chart in dom["charts"])
    assert dom["scripts"] == 0
    # And the failed checks are listed with their evidence as text, nothing of it turned into markup
    assert dom["failure_rows"] >= 3  # two fault rounds' smtp.transport, the hostile one, the matrix runs' failures
    assert any(text.startswith('554 <img src="http://127.0.0.1:9/beacon.png"><script>') for text in dom["evidence"])
    assert any("550" in text for text in dom["evidence"]), dom["evidence"]
    assert dom["injected"] == 0
    assert dom["matrix_rows"] == 3  # the header and the two faults
    assert kept.stat().st_size > 10_000
    # And the fault matrix's own page (what `demo --fault-matrix --html` writes) names both faults as caught
    matrix_page = matrix_html(matrix)
    assert "Fault lab: detection matrix (2/2 caught by their own check)" in matrix_page
    assert "421-mid-session" in matrix_page
    assert "event-lost" in matrix_page


def test_given_the_demo_cli_when_it_writes_html_then_chromium_renders_it_cleanly(tmp_path: Path) -> None:
    # Given `mailcanary demo --html` (what `make demo` runs) with one passing round
    page = tmp_path / "demo-report.html"
    assert main(["demo", "--rounds", "1", "--interval", "0", "--html", str(page)]) == 0
    # When chromium loads it
    shot = load(page)
    _keep("demo-report.png", shot)
    # Then no error, no request, and its charts are drawn
    assert shot.console_errors == []
    assert shot.requests == [shot.url]
    assert len(shot.dom["charts"]) >= 3
    assert shot.dom["failure_rows"] == 0


def test_given_a_page_that_calls_out_and_logs_an_error_when_loaded_then_the_harness_sees_both(tmp_path: Path) -> None:
    # Given a page that breaks both rules (a loopback port nothing listens on, and a console error)
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
        '<script>console.error("from the page")</script><svg width="10" height="10"></svg></body></html>',
        encoding="utf-8",
    )
    # When loaded
    shot = load(page)
    # Then the request and the error are reported: the checks above can fail
    assert "http://127.0.0.1:9/x.png" in shot.requests
    assert any("from the page" in error for error in shot.console_errors), shot.console_errors
    assert shot.dom["scripts"] == 1


def test_given_records_of_no_state_when_rendered_then_the_page_still_loads_cleanly(tmp_path: Path) -> None:
    # Given a pending round only (nothing decided yet)
    report = run_demo(DemoOptions(rounds=1, interval=0.0))
    pending = [
        replace(c, state=CanaryState.PENDING, paths=tuple(replace(p, state=CanaryState.PENDING) for p in c.paths))
        for c in report.canaries
    ]
    page = tmp_path / "pending.html"
    page.write_text(render_html(pending), encoding="utf-8")
    # When loaded, then no error and no request, and the charts say there is nothing decided
    shot = load(page)
    assert shot.console_errors == []
    assert shot.requests == [shot.url]
