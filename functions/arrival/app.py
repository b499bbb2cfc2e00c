"""Lambda entry point of proof of arrival: SES receives a canary on the receiving domain, its receipt rule stores
the message in S3 and notifies SNS, SNS invokes this.

Glue only: hand the SNS deliveries to the arrival service, return its JSON summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailcanary.config.cold_start import paused_gc

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

with paused_gc():  # the init's imports without cyclic GC passes over them (see mailcanary.config.cold_start)
    from mailcanary.config.runtime import cached_runtime_from_environ
    from mailcanary.report import observability
    from mailcanary.services.arrivals import receive_notifications

    logger = observability.get_logger()
    metrics = observability.get_metrics()
    runtime = cached_runtime_from_environ()  # settings read on the first invocation, not at import

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=True)
    @observability.traced  # X-Ray subsegments only when the template's XRaySubsegments is on
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return receive_notifications(runtime(), event).to_summary()
