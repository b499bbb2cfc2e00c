"""The monthly cost model of the default deployment (an operator tool; never imported in Lambda)."""

from __future__ import annotations

from mailcanary.cost.model import (
    ALARM_METRICS,
    PRICES_AS_OF,
    CostEstimate,
    LineItem,
    Prices,
    Workload,
    estimate,
    metric_series,
    runs_per_month,
)

__all__ = [
    "ALARM_METRICS",
    "PRICES_AS_OF",
    "CostEstimate",
    "LineItem",
    "Prices",
    "Workload",
    "estimate",
    "metric_series",
    "runs_per_month",
]
