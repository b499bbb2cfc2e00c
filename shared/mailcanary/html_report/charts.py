"""The report's charts as static SVG (pygal), with no script: nothing in them runs or asks the network.

pygal puts a `<script>` in every chart (its config, plus links to its tooltip script); `js=[]` drops the links and
`_static` removes the inline one, so the page can forbid scripts altogether. pygal is imported here only, when a
chart is drawn: it is the `report` extra, never in the Lambda layer.
"""

from __future__ import annotations

import importlib
import sys
import xml.etree.ElementTree as ET  # parses only the SVG pygal has just written, never outside input
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from mailcanary.html_report.errors import ChartLibraryMissingError
from mailcanary.html_report.latency import LatencyStat
from mailcanary.html_report.series import RateSeries

__all__ = ["latency_chart", "rate_chart", "require_charts"]

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", _XLINK)
_MAJOR_LABELS = 12  # x labels written out on a time axis; the others are minor (hidden)


def _pygal() -> ModuleType:
    try:
        pygal = importlib.import_module("pygal")
    except ImportError as exc:
        raise ChartLibraryMissingError(
            "the HTML report needs the charting library: pip install 'mailcanary[report]'"
        ) from exc
    # pygal appends a legacy import hook (for its map plugins, unused here) to sys.meta_path; on Python 3.11 every
    # import that misses afterwards passes it and warns (ImportWarning: find_spec() not found). Take it out again.
    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]
    return pygal


def require_charts() -> None:
    """Fail now, with how to fix it, when the charting library is missing (before a long run, not after)."""
    _pygal()


def _config(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "js": [],  # no <script href>: the page must not ask the network for anything
        "disable_xml_declaration": True,  # inlined in HTML
        "width": 900,
        "height": 340,
        "explicit_size": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 2,
        "truncate_legend": -1,
        "no_data_text": "no decided rounds",
        **extra,
    }


def _static(svg: str) -> str:
    """The SVG without its `<script>` elements (pygal writes one with its config in `<defs>`)."""
    root = ET.fromstring(svg)  # noqa: S314 - our own chart
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{_SVG}}}script", "script"):
                parent.remove(child)
    return ET.tostring(root, encoding="unicode")


def rate_chart(title: str, labels: Sequence[str], series: Sequence[RateSeries]) -> str:
    """A line per series: the percentage that passed in each time bucket, 0..100."""
    pygal = _pygal()
    every = max(1, len(labels) // _MAJOR_LABELS)
    chart = pygal.Line(
        **_config(
            title,
            range=(0, 100),
            include_x_axis=True,
            allow_interruptions=True,
            x_label_rotation=30,
            x_labels_major_every=every,
            show_minor_x_labels=every == 1,
            value_formatter=lambda value: f"{value:.0f} %",
        )
    )
    chart.x_labels = list(labels)
    for each in series:
        chart.add(f"{each.name} ({each.failures}/{each.runs} failed)", list(each.values))
    return _static(chart.render(is_unicode=True))


def latency_chart(title: str, stats: Sequence[LatencyStat]) -> str:
    """Bars of p50 and p99 (seconds) per target, for one measure."""
    pygal = _pygal()
    chart = pygal.Bar(**_config(title, value_formatter=lambda value: f"{value:.3f} s"))
    chart.x_labels = [f"{each.target} (n={each.count})" for each in stats]
    chart.add("p50", [each.p50 for each in stats])
    chart.add("p99", [each.p99 for each in stats])
    return _static(chart.render(is_unicode=True))
