"""What the doctor reads (a deployed stack) and what it reports (one finding per check)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["ClientFactory", "Finding", "Stack", "Status", "schedule_seconds"]

# (service, region) -> a boto3 client; the CLI builds them from the default session, tests inject moto or Stubber.
ClientFactory = Callable[[str, str], Any]
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    """One check's verdict: what was looked at (`evidence`) and, unless it passed, what to do (`fix`)."""

    check: str
    status: Status
    evidence: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status.value, "evidence": self.evidence, "fix": self.fix}


@dataclass(frozen=True)
class Stack:
    """A deployed mailcanary stack: its outputs, parameters and resources (logical id -> (type, physical id))."""

    name: str
    region: str
    created: datetime
    outputs: Mapping[str, str]
    parameters: Mapping[str, str]
    resources: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def ses_region(self) -> str:
        return self.parameters.get("SesRegion") or self.region

    @property
    def sender(self) -> str:
        return self.parameters.get("SenderAddress", "")

    @property
    def identity(self) -> str:
        return self.parameters.get("SenderIdentity") or self.sender

    def of_type(self, *kinds: str) -> dict[str, str]:
        """Logical id -> physical id of the stack's resources of these types."""
        return {logical: physical for logical, (kind, physical) in self.resources.items() if kind in kinds}


def schedule_seconds(expression: str) -> int | None:
    """Seconds between rounds of an EventBridge rate expression; None for anything else (cron)."""
    match = _RATE.fullmatch(expression.strip())
    if not match:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]
