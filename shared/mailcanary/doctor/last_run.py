"""When the last canary ran and how it ended, from the metrics the rounds publish (the `CanarySent` and
`CanaryFailed` rollups) and the canary function's `Errors` (it raised instead of finishing a round)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mailcanary.doctor.model import ClientFactory, Finding, Stack, Status, schedule_seconds
from mailcanary.report.observability import NAMESPACE, MetricName

__all__ = ["ACTIONS", "GROUP", "check"]

GROUP = "canary.last_run"
ACTIONS = ("cloudwatch:GetMetricStatistics",)
_WINDOW = timedelta(hours=24)
_PERIOD = 300


def check(stack: Stack, clients: ClientFactory, now: datetime) -> list[Finding]:
    cloudwatch = clients("cloudwatch", stack.region)
    interval = timedelta(seconds=schedule_seconds(stack.parameters.get("Schedule", "rate(5 minutes)")) or 3600)
    sent = _sums(cloudwatch, NAMESPACE, MetricName.CANARY_SENT.value, [], now)
    failed = _sums(cloudwatch, NAMESPACE, MetricName.CANARY_FAILED.value, [], now)
    function = stack.outputs.get("CanaryFunctionName", "")
    errors = _sums(cloudwatch, "AWS/Lambda", "Errors", [{"Name": "FunctionName", "Value": function}], now)
    raised = sum(errors.values())
    logs = f"the logs of /aws/lambda/{function}"
    if not sent:
        if now - stack.created < 2 * interval + timedelta(seconds=_PERIOD) and not raised:
            age = int((now - stack.created).total_seconds() // 60)
            return [
                Finding(GROUP, Status.WARN, f"no canary yet; the stack is {age} min old", "wait one schedule interval")
            ]
        evidence = "no canary sent in the last 24 h" + (f"; the function raised {raised:.0f} times" if raised else "")
        return [Finding(GROUP, Status.FAIL, evidence, f"read {logs}")]
    last = max(sent)
    evidence = f"last canary at {last:%Y-%m-%d %H:%M} UTC: {sent[last]:.0f} path(s) sent"
    if failed.get(last):
        evidence += f", {failed[last]:.0f} failed at send time"
    if raised:
        evidence += f"; the function raised {raised:.0f} times in 24 h"
    if now - last > 2 * interval + timedelta(seconds=_PERIOD):
        return [Finding(GROUP, Status.FAIL, evidence + " - overdue", f"check the schedule and {logs}")]
    if failed.get(last) or raised:
        return [Finding(GROUP, Status.WARN, evidence, f"see the alerts and {logs}")]
    return [Finding(GROUP, Status.PASS, evidence)]


def _sums(
    cloudwatch: Any, namespace: str, name: str, dimensions: list[dict[str, str]], now: datetime
) -> dict[datetime, float]:
    """Sum per 5-minute period over the last 24 hours, by period start (UTC)."""
    reply = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=dimensions,
        StartTime=now - _WINDOW,
        EndTime=now,
        Period=_PERIOD,
        Statistics=["Sum"],
    )
    return {point["Timestamp"]: float(point["Sum"]) for point in reply.get("Datapoints", []) if point.get("Sum")}
