"""Run every check group against one stack: a group that cannot read what it needs (no permission, a throttled
call) becomes one warning naming the read access it needs, and the other groups still run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType

from mailcanary.core.aws_errors import aws_error_code
from mailcanary.doctor import account, alarms, events, identity, last_run, secret
from mailcanary.doctor.model import ClientFactory, Finding, Stack, Status
from mailcanary.doctor.stack import read_stack

__all__ = ["GROUPS", "Report", "run_doctor"]

GROUPS: tuple[ModuleType, ...] = (identity, account, events, secret, alarms, last_run)


@dataclass(frozen=True)
class Report:
    stack: Stack
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> bool:
        return any(finding.status is Status.FAIL for finding in self.findings)

    def counts(self) -> dict[str, int]:
        return {status.value: sum(f.status is status for f in self.findings) for status in Status}

    def to_dict(self) -> dict[str, object]:
        return {
            "stack": self.stack.name,
            "region": self.stack.region,
            "findings": [finding.to_dict() for finding in self.findings],
            "counts": self.counts(),
        }


def run_doctor(
    stack_name: str,
    region: str,
    clients: ClientFactory,
    now: Callable[[], datetime],
    groups: Sequence[ModuleType] = GROUPS,
) -> Report:
    """Read the stack (`StackNotReadableError` if it cannot be), then every check group in turn; read-only."""
    stack = read_stack(clients("cloudformation", region), stack_name, region)
    findings: list[Finding] = []
    for group in groups:
        findings += _guarded(group, stack, clients, now())
    return Report(stack, tuple(findings))


def _guarded(group: ModuleType, stack: Stack, clients: ClientFactory, now: datetime) -> list[Finding]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return list(group.check(stack, clients, now))
    except (ClientError, BotoCoreError) as exc:
        return [
            Finding(
                group.GROUP,
                Status.WARN,
                f"not checked: {aws_error_code(exc)}",
                f"the caller needs {', '.join(group.ACTIONS)}",
            )
        ]
