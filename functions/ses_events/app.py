"""Lambda entry point for SES events: the configuration set publishes them to SNS, SNS invokes this.

Glue only: hand the SNS deliveries to the reconciling service, return its JSON summary.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from mailcanary import observability, services
from mailcanary.config import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = observability.get_logger()
metrics = observability.get_metrics()


@functools.cache
def runtime() -> services.Runtime:
    """Settings read on the first invocation (not at import), then reused while the function stays warm."""
    return services.Runtime(Settings.from_environ())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@observability.traced  # X-Ray subsegments only when the template's XRaySubsegments is on
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return services.reconcile_notifications(runtime(), event, context).to_summary()
