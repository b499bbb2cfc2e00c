"""`mailcanary demo --fault-matrix`: every fault of the catalogue in turn, each in a fresh lab for one round,
and the detection table — fault -> the check that caught it. It passes only if every fault was caught by its
own check, nothing else failed, nothing crashed and every canary reached a terminal state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mailcanary.lab.catalog import FAULTS, LabFault
from mailcanary.lab.demo import DemoOptions, run_demo
from mailcanary.lab.results import REPORT_SCHEMA_VERSION, DemoReport

__all__ = ["MatrixReport", "render_matrix", "run_matrix"]

_ROUND_KEYS = ("round", "canary_id", "started_at", "decided_at", "state")  # per fault: when, not every check


@dataclass(frozen=True)
class MatrixReport:
    runs: tuple[tuple[LabFault, DemoReport], ...]

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(report.ok for _, report in self.runs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "ok": self.ok,
            "faults": [
                {
                    **(report.detections[0].to_dict() if report.detections else {"fault": fault.name, "ok": False}),
                    "terminal": report.all_terminal,
                    "rounds": [
                        {key: value for key, value in each.to_dict().items() if key in _ROUND_KEYS}
                        for each in report.rounds
                    ],
                    "errors": list(report.crashed),
                    "alerts": [alert.get("subject") for alert in report.alerts],
                    "seconds": round(report.wall_seconds, 2),
                }
                for fault, report in self.runs
            ],
        }


def run_matrix(
    options: DemoOptions,
    faults: Iterable[LabFault] | None = None,
    progress: Callable[[str], None] = lambda _line: None,
) -> MatrixReport:
    """Run each fault alone (default: the whole catalogue) for `options.rounds` rounds (1 is enough)."""
    runs: list[tuple[LabFault, DemoReport]] = []
    chosen = tuple(faults) if faults is not None else tuple(FAULTS.values())
    for index, fault in enumerate(chosen, start=1):
        lab = dataclasses.replace(options.lab, faults=(fault,), onset_round=1)
        report = run_demo(dataclasses.replace(options, lab=lab, keep_running=False))
        detection = report.detections[0] if report.detections else None
        caught = ", ".join(detection.failed) if detection and detection.failed else "nothing failed"
        progress(f"[{index}/{len(chosen)}] {fault.name}: {caught} -> {'ok' if report.ok else 'NOT OK'}")
        runs.append((fault, report))
    return MatrixReport(tuple(runs))


def render_matrix(matrix: MatrixReport) -> str:
    """The detection table: fault, the check that must catch it, what failed, and the verdict."""
    table = [["fault", "expected check", "caught by", "canary", "result"]]
    for fault, report in matrix.runs:
        detection = report.detections[0] if report.detections else None
        if fault.expected is None:
            caught = "no failure, counted once" if detection and detection.ok else (detection.note if detection else "")
        else:
            caught = ", ".join(detection.failed) if detection and detection.failed else "nothing"
        states = ",".join(sorted({each.state for each in report.rounds})) or "none"
        verdict = "ok" if report.ok else "NOT OK" + (f" ({detection.note})" if detection and detection.note else "")
        if report.crashed:
            verdict += " [error: " + "; ".join(report.crashed) + "]"
        expected = fault.expected.value if fault.expected else "(nothing may fail)"
        table.append([fault.name, expected, caught, states, verdict])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip() for row in table]
    caught_count = sum(1 for _, report in matrix.runs if report.ok)
    lines.append(
        f"fault matrix: {caught_count}/{len(matrix.runs)} faults caught by their own check"
        f" -> {'PASS' if matrix.ok else 'FAIL'}"
    )
    return "\n".join(lines)
