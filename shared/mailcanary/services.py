"""The three service functions the Lambda handlers call: one canary round, SES notifications, the sweep.

Each builds its collaborators (canary store, alert publisher, SES sender, SMTP secret) from `Runtime`, runs
the logic, publishes metrics through `observability.emit` (the one metric contract) and alerts through
`AlertPublisher` (deduplicated per path and check), and returns a report whose `to_summary()` is what the
Lambda console shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from mailcanary import observability as obs
from mailcanary.alerts import AlertError, AlertOutcome, AlertPublisher, DynamoAlertState
from mailcanary.checks import CanaryState, Check, Verdict
from mailcanary.idempotency import IdempotencyOptions
from mailcanary.reconcile import ReconcileReport, Transition, handle
from mailcanary.runtime import ClientFactory, Runtime, cached_runtime_from_environ
from mailcanary.ses.events import SesEventSummary, UnparseableEvent, parse_sns_lambda_event
from mailcanary.store import CanaryStore
from mailcanary.sweeper import SweepReport
from mailcanary.sweeper import sweep as sweep_overdue

if TYPE_CHECKING:  # the sweeper and SES-events functions never parse a console event: no pydantic models for it
    from mailcanary.events_in import RoundOverrides
    from mailcanary.round_result import RoundResult

__all__ = [
    "ClientFactory",
    "Runtime",
    "cached_runtime_from_environ",
    "canary_round",
    "reconcile_notifications",
    "sweep",
]

# Checks only the reconciler or the sweeper decide: a path that passes later clears their open alerts.
_LATE_CHECKS = (
    Check.RECIPIENTS_DELIVERED,
    Check.OUTCOME_UNEXPECTED_BOUNCE,
    Check.OUTCOME_UNEXPECTED_COMPLAINT,
    Check.OUTCOME_REJECT,
    Check.OUTCOME_RENDERING_FAILURE,
    Check.OUTCOME_MISSING_EVENT,
    Check.LOST,
)


def canary_round(runtime: Runtime, overrides: RoundOverrides) -> RoundResult:
    """One round on every planned path (see `mailcanary.canary`).

    The round's modules (smtplib, ssl, the message builder) are imported here, so the SES-events and sweeper
    functions never pay for them; the canary function imports `mailcanary.canary` itself at init, because every
    one of its invocations runs a round (deferring that import would only move it into the first invocation).
    """
    from mailcanary.canary import run_round

    return run_round(runtime, overrides)


def reconcile_notifications(
    runtime: Runtime, event: Mapping[str, Any], lambda_context: Any | None = None
) -> ReconcileReport:
    """Reconcile the SES events of one SNS Lambda event with the canary records; metrics and alerts out.

    A record that is not a readable SES event is logged and reported, never retried (it cannot improve);
    a store failure propagates so that Lambda retries the whole delivery.
    """
    settings = runtime.settings
    parsed = parse_sns_lambda_event(event)
    summaries = [each for each in parsed if isinstance(each, SesEventSummary)]
    unparseable = tuple(each.reason for each in parsed if isinstance(each, UnparseableEvent))
    for reason in unparseable:
        obs.get_logger().warning("SNS record is not an SES event", extra={"reason": reason})
    dynamodb = runtime.clients("dynamodb", None)
    idempotency = IdempotencyOptions(settings.idempotency_table_name, dynamodb, lambda_context=lambda_context)
    report = handle(
        summaries, store=CanaryStore(dynamodb, settings.table_name), now=runtime.now(), idempotency=idempotency
    )
    obs.emit(report.metrics)
    for transition in report.transitions:
        obs.get_logger().info("decided", extra=_decision_keys(transition))
    published = _publish(runtime, report.transitions)
    return dataclasses.replace(report, unparseable=unparseable, alerts_published=published)


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
    published = _publish(runtime, report.transitions)
    return dataclasses.replace(report, alerts_published=published)


def _decision_keys(transition: Transition) -> dict[str, Any]:
    return {
        "canary_id": transition.canary_id,
        "path": transition.path,
        "state": transition.state.value,
        "failed_checks": [verdict.check.value for verdict in transition.verdicts],
    }


def _publish(runtime: Runtime, transitions: Iterable[Transition]) -> int:
    """Alert on each path decided failed or lost; clear the late checks of each path decided passed."""
    settings = runtime.settings
    if not settings.alert_topic_arn:
        return 0
    state = DynamoAlertState(runtime.clients("dynamodb", None), settings.table_name)
    publisher = AlertPublisher(runtime.clients("sns", None), settings.alert_topic_arn, state)
    published = 0
    for transition in transitions:
        if transition.path is None:
            continue  # the canary's own decision repeats its paths' verdicts
        verdicts: tuple[Verdict, ...] = transition.verdicts
        if transition.state is CanaryState.PASSED:
            verdicts = tuple(Verdict(check, True, transition.path) for check in _LATE_CHECKS)
        try:
            outcomes = publisher.publish(verdicts, transition.canary_id)
        except AlertError as exc:  # the metric already reached the alarm; say so and go on
            obs.get_logger().error("alert not published", extra={"canary_id": transition.canary_id, "error": str(exc)})
            continue
        published += sum(outcome is AlertOutcome.PUBLISHED for outcome in outcomes)
    return published
