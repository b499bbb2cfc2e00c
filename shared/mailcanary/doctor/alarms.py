"""The stack's CloudWatch alarms exist, and their state: the composite first, then any alarm in ALARM, and whether
the heartbeat is armed yet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mailcanary.doctor.model import ClientFactory, Finding, Stack, Status

__all__ = ["ACTIONS", "GROUP", "check"]

GROUP = "cloudwatch.alarms"
ACTIONS = ("cloudwatch:DescribeAlarms", "cloudformation:ListStackResources")
_ARMING = "HeartbeatArmedAlarm"  # INSUFFICIENT_DATA until canaries were sent in two periods (template.yaml)
_NAMES_PER_CALL = 100  # DescribeAlarms takes at most 100 names


def check(stack: Stack, clients: ClientFactory, now: datetime) -> list[Finding]:
    wanted = stack.of_type("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
    if not wanted:
        return [Finding(GROUP, Status.FAIL, f"stack {stack.name} has no alarms", "redeploy the stack")]
    states = _states(clients("cloudwatch", stack.region), sorted(wanted.values()))
    missing = sorted(logical for logical, name in wanted.items() if name not in states)
    if missing:
        return [
            Finding(GROUP, Status.FAIL, f"alarms missing in CloudWatch: {', '.join(missing)}", "redeploy the stack")
        ]
    firing = sorted(f"{logical} ({states[name][1]})" for logical, name in wanted.items() if states[name][0] == "ALARM")
    found = [
        Finding(
            GROUP, Status.FAIL, f"in ALARM: {'; '.join(firing)}", "see the alerts on the alert topic and the dashboard"
        )
        if firing
        else Finding(GROUP, Status.PASS, f"{len(wanted)} alarms, none in ALARM")
    ]
    arming = wanted.get(_ARMING)
    if arming and states[arming][0] == "INSUFFICIENT_DATA":
        found.append(
            Finding(
                "cloudwatch.heartbeat",
                Status.WARN,
                "the heartbeat is not armed yet: no canary was sent in two heartbeat periods in a row",
                "wait for the schedule's first rounds; if it stays so, see the canary function's logs",
            )
        )
    return found


def _states(cloudwatch: Any, names: list[str]) -> dict[str, tuple[str, str]]:
    """Alarm name -> (state, reason) for every named metric or composite alarm that exists."""
    states: dict[str, tuple[str, str]] = {}
    for start in range(0, len(names), _NAMES_PER_CALL):
        reply = cloudwatch.describe_alarms(
            AlarmNames=names[start : start + _NAMES_PER_CALL], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        )
        for alarm in [*reply.get("MetricAlarms", []), *reply.get("CompositeAlarms", [])]:
            states[alarm["AlarmName"]] = (alarm.get("StateValue", "INSUFFICIENT_DATA"), alarm.get("StateReason", ""))
    return states
