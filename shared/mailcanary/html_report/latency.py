"""Send, delivery and arrival latency per target, as p50 and p99 (pure; no charting).

What the records allow: `send` is from the round's start (the canary's `created_at`) to the moment the path's send
completed (`sent_at`: the SES API answered, or the SMTP server accepted the data), so an SMTP send includes the
whole session; `delivery` is from `sent_at` to the last SES Delivery event's timestamp (SES's clock: every
recipient delivered); `arrival` is from `sent_at` to when a receiver first saw a copy, when arrival times are given
or the path record carries one. The same definitions as `mailcanary history`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from mailcanary.html_report.model import Arrival
from mailcanary.ses.events import EventType
from mailcanary.store.records import CanaryRecord, PathRecord

__all__ = ["MEASURES", "LatencyStat", "latency_stats", "percentile"]

MEASURES = ("send", "delivery", "arrival")


@dataclass(frozen=True, slots=True)
class LatencyStat:
    """One measure on one target: how many samples, and their p50 and p99 in seconds."""

    measure: str
    target: str
    count: int
    p50: float
    p99: float


def percentile(samples: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..100) of non-empty `samples`: always one of the samples."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(share / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    value = (end - start).total_seconds()
    return value if value >= 0 else None  # clocks of two machines: a negative gap says nothing


def _delivered_at(path: PathRecord) -> datetime | None:
    times = [e.timestamp for e in path.events if e.event_type is EventType.DELIVERY and e.timestamp is not None]
    return max(times) if times else None


def _arrived_at(path: PathRecord) -> datetime | None:
    arrived: datetime | None = getattr(path, "arrived_at", None)  # carried once arrival is recorded on paths
    return arrived


def latency_stats(records: Iterable[CanaryRecord], arrivals: Iterable[Arrival] = ()) -> tuple[LatencyStat, ...]:
    """p50/p99 per measure and target, for every measure and target with at least one sample."""
    arrived: dict[tuple[str, str], datetime] = {}
    for each in arrivals:
        key = (each.canary_id, each.path)
        arrived[key] = min(arrived.get(key, each.arrived_at), each.arrived_at)
    samples: dict[tuple[str, str], list[float]] = {}
    for record in records:
        for path in record.paths:
            values = {
                "send": _seconds(record.created_at, path.sent_at),
                "delivery": _seconds(path.sent_at, _delivered_at(path)),
                "arrival": _seconds(path.sent_at, arrived.get((record.canary_id, path.name)) or _arrived_at(path)),
            }
            for measure, value in values.items():
                if value is not None:
                    samples.setdefault((measure, path.target), []).append(value)
    return tuple(
        LatencyStat(measure, target, len(values), percentile(values, 50), percentile(values, 99))
        for (measure, target), values in sorted(samples.items(), key=lambda item: (MEASURES.index(item[0][0]), item[0]))
    )
