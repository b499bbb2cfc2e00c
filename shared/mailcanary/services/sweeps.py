"""The sweeper function's service: overdue canaries become lost, one `lost` alert per lost path."""

from __future__ import annotations

import dataclasses

from mailcanary.config.runtime import Runtime
from mailcanary.decide.sweep import SweepReport
from mailcanary.decide.sweep import sweep as sweep_overdue
from mailcanary.report import observability as obs
from mailcanary.services.alerting import publish_decisions
from mailcanary.store import CanaryStore

__all__ = ["sweep"]


def sweep(runtime: Runtime) -> SweepReport:
    """Mark overdue canaries lost; one `lost` alert per lost path."""
    settings = runtime.settings
    store = CanaryStore(runtime.clients("dynamodb", None), settings.table_name)
    report = sweep_overdue(store=store, now=runtime.now())
    obs.emit(report.metrics)
    if report.backlog or report.deferred:
        obs.get_logger().warning(
            "sweep left overdue canaries", extra={"deferred": list(report.deferred), "backlog": report.backlog}
        )
    published = publish_decisions(runtime, report.transitions)
    return dataclasses.replace(report, alerts_published=published)
