"""Lambda entry point for SES events: the configuration set publishes them to SNS, SNS invokes this.

Glue only: hand the SNS deliveries to the reconciling service, return its JSON summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailcanary import observability, services

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = observability.get_logger()
metrics = observability.get_metrics()
runtime = services.cached_runtime_from_environ()  # settings read on the first invocation, not at import


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@observability.traced  # X-Ray subsegments only when the template's XRaySubsegments is on
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return services.reconcile_notifications(runtime(), event, context).to_summary()
