"""Lambda entry point of one canary round: run by the EventBridge schedule or from the console's Test tab.

Glue only: parse the event into round overrides, run the round, return its JSON summary (what the
console shows). Everything else lives in `mailcanary.canary`.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mailcanary import observability
from mailcanary.canary import run_round
from mailcanary.config import Settings
from mailcanary.events_in import parse_canary_event

logger = observability.get_logger()
metrics = observability.get_metrics()
tracer = observability.get_tracer()
settings = functools.cache(Settings.from_environ)  # read on the first invocation, not at import


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    overrides = parse_canary_event(event)
    return run_round(settings(), overrides).to_summary()
