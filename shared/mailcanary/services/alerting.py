"""The one alert publisher builder, and the effect sink of the SES-events and sweeper services."""

from __future__ import annotations

import functools
from collections.abc import Callable

from mailcanary.artifacts.keys import artifact_uri
from mailcanary.config.runtime import Runtime
from mailcanary.core.checks import CanaryState, Check, Verdict
from mailcanary.decide.effects import EffectSink
from mailcanary.decide.transitions import Transition
from mailcanary.report import observability as obs
from mailcanary.report.alerts import AlertAction, AlertPublisher
from mailcanary.store import DynamoAlertState

__all__ = ["alert_publisher", "effect_sink"]

# Checks only the reconciler or the sweeper decide: a path that passes later clears their open alerts ...
_LATE_CHECKS = (
    Check.RECIPIENTS_DELIVERED,
    Check.OUTCOME_UNEXPECTED_BOUNCE,
    Check.OUTCOME_UNEXPECTED_COMPLAINT,
    Check.OUTCOME_REJECT,
    Check.OUTCOME_RENDERING_FAILURE,
    Check.OUTCOME_MISSING_EVENT,
    Check.LOST,
)
# ... and those of a path decided by its arrived copy (a bounce returned to the sender included).
_ARRIVAL_CHECKS = (
    Check.DELIVERY_ARRIVED,
    Check.DELIVERY_HEADERS,
    Check.DELIVERY_ENVELOPE,
    Check.DELIVERY_AUTHENTICATION,
    Check.DELIVERY_PLACEMENT,
    Check.OUTCOME_UNEXPECTED_BOUNCE,
)


def alert_publisher(runtime: Runtime) -> AlertPublisher | None:
    """The deployment's alert publisher (SNS topic, deduplication state in the canary table); None without a topic."""
    settings = runtime.settings
    if not settings.alert_topic_arn:
        return None
    state = DynamoAlertState(runtime.clients("dynamodb", None), settings.table_name)
    bucket = settings.artifact_bucket
    link = functools.partial(artifact_uri, bucket) if bucket else None
    return AlertPublisher(runtime.clients("sns", None), settings.alert_topic_arn, state, artifact_link=link)


def effect_sink(runtime: Runtime) -> EffectSink:
    """Metrics as EMF on stdout; alerts to the deployment's alert topic (none without one)."""
    return EffectSink(emit=obs.emit, alert=_alert_publisher(runtime))


def _alert_publisher(runtime: Runtime) -> Callable[[Transition], int]:
    settings = runtime.settings
    publisher: list[AlertPublisher] = []  # built on the first alert: a pass that clears nothing needs no client

    def publish(transition: Transition) -> int:
        """Alert on a path decided failed or lost; clear the late checks of a path decided passed.

        Returns how many alerts were published; raises `AlertError` when one could not be (its deduplication
        claim released), so that the decision's alert stays owed and is retried.
        """
        if not settings.alert_topic_arn or transition.path is None:
            return 0  # no topic deployed; the canary's own decision repeats its paths' verdicts
        if not publisher:
            built = alert_publisher(runtime)
            if built is None:
                return 0
            publisher.append(built)
        verdicts: tuple[Verdict, ...] = transition.verdicts
        if transition.state is CanaryState.PASSED:
            cleared = _ARRIVAL_CHECKS if transition.arrival else _LATE_CHECKS
            verdicts = tuple(Verdict(check, True, transition.path) for check in cleared)
        outcomes = publisher[0].publish(verdicts, transition.canary_id)
        published = sum(outcome is AlertAction.PUBLISHED for outcome in outcomes)
        if published:
            obs.get_logger().info("alert published", extra={"canary_id": transition.canary_id, "path": transition.path})
        return published

    return publish
