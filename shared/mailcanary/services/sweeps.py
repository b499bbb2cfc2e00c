"""The sweeper function's service: overdue canaries become lost, one `lost` alert per lost path."""

from __future__ import annotations

from mailcanary.config.runtime import Runtime
from mailcanary.decide.sweep import SweepReport
from mailcanary.decide.sweep import sweep as sweep_overdue
from mailcanary.report import observability as obs
from mailcanary.services.alerting import effect_sink
from mailcanary.store import CanaryStore

__all__ = ["sweep"]


def sweep(runtime: Runtime) -> SweepReport:
    """Mark overdue canaries lost; one `lost` alert per lost path; what an earlier sweep left owed, delivered."""
    settings = runtime.settings
    store = CanaryStore(runtime.clients("dynamodb", None), settings.table_name)
    report = sweep_overdue(store=store, now=runtime.now(), effects=effect_sink(runtime))
    if report.backlog or report.deferred:
        obs.get_logger().warning(
            "sweep left overdue canaries", extra={"deferred": list(report.deferred), "backlog": report.backlog}
        )
    for error in report.alert_errors:  # the metric already reached the alarm; the next sweep retries the alert
        obs.get_logger().error("alert not published", extra={"error": error})
    return report
