"""Lambda entry point for SES events: the configuration set publishes them to SNS, SNS invokes this.

Glue only: unwrap the SNS deliveries, hand them to the reconciler, return its JSON summary.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mailcanary import observability
from mailcanary.config import Settings
from mailcanary.events_in import parse_ses_event_notifications
from mailcanary.reconcile import handle

logger = observability.get_logger()
metrics = observability.get_metrics()
tracer = observability.get_tracer()
settings = functools.cache(Settings.from_environ)  # read on the first invocation, not at import


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deliveries = parse_ses_event_notifications(event)
    return handle(deliveries, settings()).to_summary()
