"""The SES-events function's service: reconcile one SNS delivery of SES events with the canary records."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from mailcanary.artifacts.ses_events import ses_event_artifacts
from mailcanary.config.runtime import Runtime
from mailcanary.decide.idempotency import IdempotencyOptions, event_key
from mailcanary.decide.reconcile import ReconcileReport, handle
from mailcanary.decide.transitions import Transition
from mailcanary.report import observability as obs
from mailcanary.services.alerting import effect_sink
from mailcanary.services.artifacts import artifact_writer
from mailcanary.ses.events import SesEventSummary, UnparseableEvent, parse_sns_lambda_event
from mailcanary.store import CanaryStore

__all__ = ["reconcile_notifications"]


def reconcile_notifications(
    runtime: Runtime, event: Mapping[str, Any], lambda_context: Any | None = None
) -> ReconcileReport:
    """Reconcile the SES events of one SNS Lambda event with the canary records; metrics and alerts out.

    Each SES event of ours is then kept as an artifact of its round when the stack keeps artifacts.
    A record that is not a readable SES event is logged and reported, never retried (it cannot improve);
    a store failure, or an alert that could not be published, propagates so that Lambda retries the whole
    delivery; the retry delivers whatever metrics and alerts the failed invocation still owed, once.
    """
    settings = runtime.settings
    parsed = parse_sns_lambda_event(event)
    summaries = [each for each in parsed if isinstance(each, SesEventSummary)]
    unparseable = tuple(each.reason for each in parsed if isinstance(each, UnparseableEvent))
    for reason in unparseable:
        obs.get_logger().warning("SNS record is not an SES event", extra={"reason": reason})
    dynamodb = runtime.clients("dynamodb", None)
    idempotency = IdempotencyOptions(settings.idempotency_table_name, dynamodb, lambda_context=lambda_context)
    store = CanaryStore(dynamodb, settings.table_name)
    report = handle(summaries, store=store, now=runtime.now(), idempotency=idempotency, effects=effect_sink(runtime))
    for transition in report.transitions:
        obs.get_logger().info("decided", extra=_decision_keys(transition))
    writer = artifact_writer(runtime)
    if writer is not None:  # after the reconciliation, best effort: never a reason to fail or retry the delivery
        writer.write(ses_event_artifacts(event, parsed, find_send=store.find_send, key_of=event_key))
    return dataclasses.replace(report, unparseable=unparseable)


def _decision_keys(transition: Transition) -> dict[str, Any]:
    return {
        "canary_id": transition.canary_id,
        "path": transition.path,
        "state": transition.state.value,
        "failed_checks": [verdict.check.value for verdict in transition.verdicts],
    }
