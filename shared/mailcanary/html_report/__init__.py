"""The HTML report: one self-contained file (inline CSS, static SVG charts, no script, nothing fetched) drawn from
canary records — success rate per path and per check over time, latency per target, the failed checks with their
evidence and the fault lab's detection matrix. Only the CLI imports it; its charting library is the `report` extra.
"""

from __future__ import annotations

from mailcanary.html_report.charts import require_charts
from mailcanary.html_report.errors import ChartLibraryMissingError, HtmlReportError
from mailcanary.html_report.model import Arrival, MatrixRow
from mailcanary.html_report.page import render_html

__all__ = ["Arrival", "ChartLibraryMissingError", "HtmlReportError", "MatrixRow", "render_html", "require_charts"]
