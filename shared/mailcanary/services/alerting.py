"""Alerts for decided paths, shared by the SES-events and sweeper services (the round alerts by itself)."""

from __future__ import annotations

from collections.abc import Iterable

from mailcanary.config.runtime import Runtime
from mailcanary.core.checks import CanaryState, Check, Verdict
from mailcanary.decide.reconcile import Transition
from mailcanary.report import observability as obs
from mailcanary.report.alerts import AlertError, AlertOutcome, AlertPublisher, DynamoAlertState

__all__ = ["publish_decisions"]

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


def publish_decisions(runtime: Runtime, transitions: Iterable[Transition]) -> int:
    """Alert on each path decided failed or lost; clear the late checks of each path decided passed.

    Returns the number of alerts published (none when the deployment has no alert topic).
    """
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
