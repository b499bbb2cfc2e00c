"""Reporting: the metric contract (names and dimensions the template reads too), the Powertools objects, alerts."""

from __future__ import annotations

__all__: list[str] = []
