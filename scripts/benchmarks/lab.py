"""The fault lab's detection speed and the demo's cost.

- Rounds from a fault's onset to the first alert naming its check: the fault is switched on before round 2
  of a 3-round run (interval 1 s) and we look for the round whose alerts first name the expected check.
  Target: the very round after the onset (1). `event-lost` is reported for information: a canary can only
  be declared lost after its deadline (`lost_after_seconds`, 1 s in the lab), so it is caught a round later.
- Wall time of the demo for 3 rounds against 1 round (information: rounds run one interval apart).
"""

from __future__ import annotations

import time

from mailcanary.lab.catalog import parse_faults
from mailcanary.lab.demo import DemoOptions, run_demo
from mailcanary.lab.stack import LabOptions
from scripts.benchmarks._common import Row

ONSET = 2
FAULTS = ("rcpt-refused", "api-message-rejected", "event-unexpected-bounce", "event-lost")


def _rounds_to_alert(name: str) -> float:
    (fault,) = parse_faults([name])
    options = DemoOptions(
        rounds=3, interval=1.0, sweep_every_round=True, lab=LabOptions(faults=(fault,), onset_round=ONSET)
    )
    report = run_demo(options)
    expected = fault.expected.value if fault.expected else ""
    for alert in report.alerts:
        if expected and f"{expected} failed" in str(alert.get("subject")):
            when = alert.get("round")
            last = len(report.rounds) + 1  # the final sweep counts as the round after the last one
            return float((when if isinstance(when, int) else last) - ONSET + 1)
    return float("inf")


def _wall(rounds: int) -> float:
    started = time.perf_counter()
    report = run_demo(DemoOptions(rounds=rounds, interval=1.0))
    if not report.passed:
        raise RuntimeError("the demo did not pass; its timing would mean nothing")
    return time.perf_counter() - started


def run(quick: bool) -> list[Row]:
    chosen = FAULTS[:2] if quick else FAULTS
    rows = [
        Row(
            name=f"fault onset -> first alert: {name}",
            baseline="the next round",
            value=_rounds_to_alert(name),
            baseline_value=1.0,
            target=None if name == "event-lost" else 1.0,
            unit="rounds",
            note="lost needs its deadline to pass first" if name == "event-lost" else "",
        )
        for name in chosen
    ]
    one, three = _wall(1), _wall(3)
    rows.append(Row("demo wall time, 3 rounds", "demo wall time, 1 round", three, one, None, "s", "interval 1 s"))
    return rows
