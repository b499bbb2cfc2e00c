"""The demo's HTML report: the canary records the rounds left in the lab's store, and the fault matrix's rows."""

from __future__ import annotations

from mailcanary.html_report import MatrixRow, render_html
from mailcanary.lab.matrix import MatrixReport
from mailcanary.lab.results import DemoReport

__all__ = ["demo_html", "matrix_html", "matrix_rows"]


def demo_html(report: DemoReport) -> str:
    """The page of one demo run (with its faults named in the title)."""
    faults = ", ".join(fault.name for fault in report.faults)
    title = "mailcanary demo" + (f" (faults: {faults})" if faults else "")
    return render_html(report.canaries, title=title)


def matrix_rows(matrix: MatrixReport) -> tuple[MatrixRow, ...]:
    """One row per fault: the check that must catch it, the checks that failed while it was on, the verdict."""
    rows = []
    for fault, report in matrix.runs:
        detection = report.detections[0] if report.detections else None
        note = detection.note if detection else "no detection recorded"
        if report.crashed:
            note = (note + "; " if note else "") + "error: " + "; ".join(report.crashed)
        expected = fault.expected.value if fault.expected else None
        rows.append(MatrixRow(fault.name, expected, detection.failed if detection else (), report.ok, note))
    return tuple(rows)


def matrix_html(matrix: MatrixReport) -> str:
    """The fault matrix's page: every fault run's rounds, and the detection matrix."""
    canaries = [canary for _, report in matrix.runs for canary in report.canaries]
    return render_html(canaries, title="mailcanary fault matrix", matrix=matrix_rows(matrix))
