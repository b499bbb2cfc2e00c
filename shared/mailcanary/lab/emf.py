"""Read back the CloudWatch metrics a handler produced, from the EMF JSON lines it printed to stdout.

In Lambda, CloudWatch extracts metrics from these lines; in the lab we parse the same lines, so the demo
shows exactly what would have reached CloudWatch. Lines that are not EMF (log records) are kept apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["MetricPoint", "MetricTotal", "parse_emf", "totals"]


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One metric value from one EMF line: name, value, unit, and the dimensions it was published with."""

    namespace: str
    name: str
    value: float
    unit: str
    dimensions: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        """`CanarySent{Path=api,Target=ses-api:us-east-1}` — how the demo prints a metric."""
        inner = ",".join(f"{name}={value}" for name, value in self.dimensions)
        return f"{self.name}{{{inner}}}" if inner else self.name


@dataclass(frozen=True, slots=True)
class MetricTotal:
    """Every value of one metric with one dimension set: how many data points, their sum, and the unit."""

    label: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    unit: str
    count: int
    total: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.name,
            "dimensions": dict(self.dimensions),
            "unit": self.unit,
            "count": self.count,
            "sum": round(self.total, 3),
        }


def _values(raw: Any) -> list[float]:
    items = raw if isinstance(raw, list) else [raw]
    return [float(item) for item in items if isinstance(item, int | float) and not isinstance(item, bool)]


def _points(document: dict[str, Any]) -> list[MetricPoint]:
    points: list[MetricPoint] = []
    directives = document.get("_aws", {}).get("CloudWatchMetrics", [])
    for directive in directives if isinstance(directives, list) else []:
        namespace = str(directive.get("Namespace", ""))
        dimension_sets = directive.get("Dimensions") or [[]]
        for metric in directive.get("Metrics", []):
            name = str(metric.get("Name", ""))
            for dimension_set in dimension_sets:
                dimensions = tuple((str(key), str(document.get(key, ""))) for key in dimension_set)
                for value in _values(document.get(name)):
                    points.append(MetricPoint(namespace, name, value, str(metric.get("Unit", "None")), dimensions))
    return points


def parse_emf(text: str) -> tuple[list[MetricPoint], list[str]]:
    """(metric points, other non-empty lines) from everything a handler printed."""
    points: list[MetricPoint] = []
    others: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        try:
            document = json.loads(stripped)
        except json.JSONDecodeError:
            others.append(stripped)
            continue
        if isinstance(document, dict) and isinstance(document.get("_aws"), dict):
            points += _points(document)
        else:
            others.append(stripped)
    return points, others


def totals(points: Iterable[MetricPoint]) -> list[MetricTotal]:
    """Points grouped by metric and dimension set, sorted by label."""
    grouped: dict[tuple[str, tuple[tuple[str, str], ...]], list[MetricPoint]] = {}
    for point in points:
        grouped.setdefault((point.name, point.dimensions), []).append(point)
    return [
        MetricTotal(group[0].label, name, dimensions, group[0].unit, len(group), sum(p.value for p in group))
        for (name, dimensions), group in sorted(grouped.items(), key=lambda item: item[1][0].label)
    ]
