"""A round's alerts: publishing one set of verdicts without failing the round (the metrics still reach the
alarms when SNS or the alert state cannot be reached). The publisher is built by `mailcanary.services`."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future

from mailcanary.core.checks import Verdict
from mailcanary.core.redaction import SecretForms
from mailcanary.report import observability as obs
from mailcanary.report.alerts import AlertAction, AlertError, AlertPublisher
from mailcanary.store import OpenAlerts, StoreError

__all__ = ["publish_verdicts"]


def publish_verdicts(
    publisher: AlertPublisher | None,
    verdicts: Iterable[Verdict],
    path: str,
    canary_id: str,
    forms: SecretForms,
    known: Future[OpenAlerts] | None,
) -> int:
    """Publish the failed verdicts (once per failure episode), clear passed ones; alerts sent."""
    if publisher is None:
        return 0
    try:
        open_alerts = known.result() if known is not None else None
    except StoreError as exc:  # without the read, every passing check is cleared by its own delete
        obs.get_logger().warning("open alerts not read", extra={"canary_id": canary_id, "error": str(exc)})
        open_alerts = None
    try:
        results = publisher.publish(verdicts, canary_id, forms, open_alerts)
    except AlertError as exc:  # the metrics still reach the alarms; say so loudly and go on
        obs.get_logger().error("alert not published", extra={"canary_id": canary_id, "path": path, "error": str(exc)})
        return 0
    return sum(result is AlertAction.PUBLISHED for result in results)
