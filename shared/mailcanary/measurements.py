"""Metric observations the reconciler and the sweeper return for the handler to emit.

Returned as data rather than emitted in place, so a duplicate SNS delivery (which returns nothing new) can
never count twice, and tests can assert on exactly what would reach CloudWatch. Metric names here are the
ones the template's alarms watch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MetricName", "MetricObservation", "Unit"]


class Unit(StrEnum):
    """CloudWatch units (the same strings as Powertools' `MetricUnit` values)."""

    COUNT = "Count"
    MILLISECONDS = "Milliseconds"


class MetricName(StrEnum):
    """Every metric the reconciler and the sweeper produce, with its dimensions in the comment."""

    SES_EVENT = "SesEvent"  # event_type, path: one per distinct SES event recorded on a canary
    SEND_LATENCY = "SendLatency"  # path: SES Send event - the path's send time
    DELIVERY_LATENCY = "DeliveryLatency"  # path: SES Delivery event - send time, per delivery
    DELIVERY_DELAY_LATENCY = "DeliveryDelayLatency"  # path: SES DeliveryDelay event - send time
    CHECK_FAILED = "CheckFailed"  # check, path: once per failed check when a path is decided
    CANARY_PASSED = "CanaryPassed"
    CANARY_FAILED = "CanaryFailed"
    CANARY_LOST = "CanaryLost"
    DECISION_TIME = "CanaryDecisionTime"  # canary created → decided
    UNMATCHED_SES_EVENT = "UnmatchedSesEvent"  # an SES event for a message that is not one of our canaries
    LATE_SES_EVENT = "LateSesEvent"  # path: an event that arrived after its path was declared lost
    SWEEPER_RUN = "SweeperRun"  # heartbeat: one per sweep
    SWEEPER_BACKLOG = "SweeperBacklog"  # a sweep that stopped at its limit with overdue canaries left


@dataclass(frozen=True, slots=True)
class MetricObservation:
    """One value for one metric; dimensions as sorted (name, value) pairs."""

    name: MetricName
    value: float
    unit: Unit = Unit.COUNT
    dimensions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, name: MetricName, value: float = 1, unit: Unit = Unit.COUNT, **dimensions: str) -> MetricObservation:
        return cls(name, value, unit, tuple(sorted(dimensions.items())))
