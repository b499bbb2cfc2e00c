"""Lambda entry point of one canary round: run by the EventBridge schedule or from the console's Test tab.

Glue only: parse the event into round overrides, run the round, return its JSON summary (what the
console shows). Everything else lives in `mailcanary.services.rounds` and `mailcanary.round.run`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailcanary.config.cold_start import paused_gc

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

with paused_gc():  # the init's imports without cyclic GC passes over them (see mailcanary.config.cold_start)
    from mailcanary.config.events import parse_canary_event
    from mailcanary.config.runtime import cached_runtime_from_environ
    from mailcanary.report import observability
    from mailcanary.services.rounds import canary_round  # the round itself: every invocation runs one

    logger = observability.get_logger()
    metrics = observability.get_metrics()
    runtime = cached_runtime_from_environ()  # settings read on the first invocation, not at import

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=True)
    @observability.traced  # X-Ray subsegments only when the template's XRaySubsegments is on
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        overrides = parse_canary_event(event)
        remaining = context.get_remaining_time_in_millis() / 1000  # the round's sends end well before it
        return canary_round(runtime(), overrides, remaining).to_summary()
