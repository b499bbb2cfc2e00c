"""What a demo run found: one row per round x path x check, the canaries' final states, metrics and alerts,
and — with faults injected — which check caught each fault.

Rows come from two sources: the round's own verdicts (checks made while sending) and the canary record the
reconciler, the arrival function and the sweeper decided afterwards (checks made from SES's events, or from the
copy that arrived). A check that could not run
because the send itself failed is `skip`, never `pass`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from mailcanary.core.checks import Check
from mailcanary.lab.catalog import LabFault
from mailcanary.lab.emf import MetricTotal
from mailcanary.store import CanaryRecord, PathRecord

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "CheckRow",
    "DemoReport",
    "Detection",
    "RoundRecord",
    "Status",
    "iso_utc",
    "round_rows",
]

# The JSON report's shape (README, "The JSON report"): raised when a field changes meaning or goes away, not
# when one is added.
REPORT_SCHEMA_VERSION = 1

_SEND_CHECKS = frozenset({Check.SES_API.value, Check.SMTP_TRANSPORT.value})
_OUTCOME = "outcome"  # every outcome.* check shares one row while it passes
_DELIVERY = "delivery"  # so do the delivery.* checks of a path decided by its arrived copy


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and a `Z` (`2026-12-04T16:41:30.123Z`); None stays None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a check status, not a password
    FAIL = "fail"
    SKIP = "skip"  # not evaluated: the send failed, so SES never had the message
    PENDING = "pending"  # not decided (must not happen at the end of a run)


@dataclass(frozen=True, slots=True)
class CheckRow:
    round: int
    path: str
    check: str
    status: Status
    latency_ms: float | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        latency = None if self.latency_ms is None else round(self.latency_ms, 1)
        return {
            "round": self.round,
            "path": self.path,
            "check": self.check,
            "status": self.status.value,
            "latency_ms": latency,
            "detail": self.detail,
        }


def _post_send_rows(number: int, path: PathRecord | None, sent: bool) -> list[CheckRow]:
    name = path.name if path else "?"
    # A path that awaited its arrived copy is decided by the delivery checks; the others by SES's events.
    families = (_DELIVERY,) if path is not None and path.awaits_arrival else ("recipients.delivered", _OUTCOME, "lost")
    if not sent:
        return [CheckRow(number, name, check, Status.SKIP) for check in families]
    if path is None or not path.state.terminal:
        return [CheckRow(number, name, check, Status.PENDING) for check in families]
    failed = {failed.check.value: failed.detail for failed in path.failed_checks}
    rows = []
    for family in families:
        hits = sorted(check for check in failed if check == family or check.startswith(family + "."))
        if hits:
            rows += [CheckRow(number, name, check, Status.FAIL, detail=failed[check]) for check in hits]
        else:
            rows.append(CheckRow(number, name, family, Status.PASS))
    return rows


def round_rows(number: int, summary: Mapping[str, Any], canary: CanaryRecord | None) -> list[CheckRow]:
    """Every check of one round: the round's verdicts per path, then what SES's events decided."""
    rows: list[CheckRow] = []
    for path in summary.get("paths", []):
        name = str(path.get("path"))
        seen: set[str] = set()
        for verdict in path.get("verdicts", []):
            check = str(verdict.get("check"))
            seen.add(check)
            latency = path.get("send_ms") if check in _SEND_CHECKS else None
            status = Status.PASS if verdict.get("passed") else Status.FAIL
            rows.append(CheckRow(number, name, check, status, latency, str(verdict.get("detail") or "")))
        record = canary.path(name) if canary else None
        sent = bool(path.get("ses_message_id")) or bool(record is not None and record.awaits_arrival)
        post = _post_send_rows(number, record, sent=sent)
        covered = seen | {row.check for row in post}
        extra = [  # a failed check stored on the path that neither list shows must never be hidden
            CheckRow(number, name, failed.check.value, Status.FAIL, detail=failed.detail)
            for failed in (record.failed_checks if record else ())
            if failed.check.value not in covered
        ]
        rows += post + extra
    return rows


@dataclass(frozen=True)
class RoundRecord:
    number: int
    canary_id: str | None
    state: str  # passed | failed | lost | pending | error
    faults_active: bool
    rows: tuple[CheckRow, ...]
    errors: tuple[str, ...] = ()  # handler invocations that raised, and lab errors
    events: int = 0
    seconds: float = 0.0
    started_at: datetime | None = None  # when the round began (the lab's clock)
    decided_at: datetime | None = None  # when its canary reached its terminal state (None: never decided)

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.number,
            "canary_id": self.canary_id,
            "started_at": iso_utc(self.started_at),
            "decided_at": iso_utc(self.decided_at),
            "state": self.state,
            "faults_active": self.faults_active,
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "errors": list(self.errors),
            "checks": [row.to_dict() for row in self.rows],
        }


@dataclass(frozen=True)
class Detection:
    """How one injected fault fared: which checks failed while it was active, and whether that is right."""

    fault: LabFault
    failed: tuple[str, ...]
    caught: bool
    clean: bool  # nothing failed that this fault does not explain
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.caught and self.clean

    def to_dict(self) -> dict[str, Any]:
        expected = self.fault.expected.value if self.fault.expected else None
        return {
            "fault": self.fault.name,
            "expected": expected,
            "failed": list(self.failed),
            "caught": self.caught,
            "clean": self.clean,
            "ok": self.ok,
            "note": self.note,
        }


@dataclass(frozen=True)
class DemoReport:
    rounds: tuple[RoundRecord, ...]
    metrics: tuple[MetricTotal, ...]
    alerts: tuple[dict[str, Any], ...]
    faults: tuple[LabFault, ...] = ()
    errors: tuple[str, ...] = ()  # errors outside a round (the final sweep)
    counted_once: bool | None = None  # with event-duplicate: did every event count exactly once?
    wall_seconds: float = 0.0
    detections: tuple[Detection, ...] = field(default=())
    canaries: tuple[CanaryRecord, ...] = ()  # the rounds' records as the store holds them (for the HTML report)

    @property
    def rows(self) -> tuple[CheckRow, ...]:
        return tuple(row for each in self.rounds for row in each.rows)

    @property
    def failed_checks(self) -> frozenset[str]:
        return frozenset(row.check for row in self.rows if row.status is Status.FAIL)

    @property
    def all_terminal(self) -> bool:
        return all(each.state in ("passed", "failed", "lost") for each in self.rounds) and not any(
            row.status is Status.PENDING for row in self.rows
        )

    @property
    def crashed(self) -> tuple[str, ...]:
        return self.errors + tuple(error for each in self.rounds for error in each.errors)

    @property
    def passed(self) -> bool:
        """No check failed, nothing crashed, every canary passed."""
        return not self.failed_checks and not self.crashed and all(each.state == "passed" for each in self.rounds)

    @property
    def ok(self) -> bool:
        """Without faults: everything passed. With faults: every fault caught by its own check, nothing else."""
        if not self.faults:
            return self.passed
        return (
            bool(self.detections)
            and all(each.ok for each in self.detections)
            and self.all_terminal
            and not (self.crashed)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "ok": self.ok,
            "passed": self.passed,
            "faults": [fault.name for fault in self.faults],
            "rounds": [each.to_dict() for each in self.rounds],
            "metrics": [total.to_dict() for total in self.metrics],
            "alerts": list(self.alerts),
            "detections": [each.to_dict() for each in self.detections],
            "counted_once": self.counted_once,
            "errors": list(self.crashed),
            "wall_seconds": round(self.wall_seconds, 3),
        }


def judge(faults: Iterable[LabFault], rows: Iterable[CheckRow], counted_once: bool | None) -> tuple[Detection, ...]:
    """For each fault: did its own check fail (caught), and did only checks the faults explain fail (clean)?"""
    chosen = tuple(faults)
    failed = tuple(sorted({row.check for row in rows if row.status is Status.FAIL}))
    explained = {
        check.value for fault in chosen for check in ({fault.expected} if fault.expected else set()) | fault.also
    }
    clean = set(failed) <= explained
    detections = []
    for fault in chosen:
        if fault.expected is None:
            caught = counted_once is not False  # nothing may fail, and nothing may count twice
            note = "no failure, counted once" if caught and not failed else "counted twice" if not caught else ""
        else:
            caught = fault.expected.value in failed
            note = "" if caught else f"{fault.expected.value} did not fail"
        if not clean:
            note = (note + "; " if note else "") + "unexplained: " + ", ".join(sorted(set(failed) - explained))
        detections.append(Detection(fault, failed, caught, clean, note))
    return tuple(detections)
