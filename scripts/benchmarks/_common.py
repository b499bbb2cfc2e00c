"""What every benchmark module shares: timing by median over repeats and one result row type.

A benchmark module in this folder exposes `run(quick: bool) -> list[Row]`; scripts/bench.py finds it by
itself. Every row compares a measurement with a baseline measured in the same run, as a ratio.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    name: str  # what was measured
    baseline: str  # what it was compared with
    value: float  # median of the measurement (seconds unless unit says otherwise)
    baseline_value: float
    target: float | None = None  # the highest acceptable ratio, when there is one
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline_value if self.baseline_value else float("inf")

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        return "ok" if self.ratio <= self.target else "MISSED"


def median_seconds(action: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of `action` over `repeats` runs, after `warmup` unmeasured runs."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def interleaved_samples(
    subject: Callable[[], object], baseline: Callable[[], object], repeats: int, warmup: int = 1
) -> tuple[list[float], list[float]]:
    """Wall times of subject and baseline, measured alternately so machine noise hits both alike."""
    for _ in range(warmup):
        baseline()
        subject()
    subject_samples, baseline_samples = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        baseline()
        baseline_samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        subject()
        subject_samples.append(time.perf_counter() - started)
    return subject_samples, baseline_samples


def interleaved_medians(
    subject: Callable[[], object], baseline: Callable[[], object], repeats: int, warmup: int = 1
) -> tuple[float, float]:
    """Medians of subject and baseline, measured alternately so machine noise hits both alike."""
    subject_samples, baseline_samples = interleaved_samples(subject, baseline, repeats, warmup)
    return statistics.median(subject_samples), statistics.median(baseline_samples)


def paired_ratio(subject_samples: list[float], baseline_samples: list[float]) -> float:
    """Median of the ratios of neighbouring samples: steadier than a ratio of medians when load drifts."""
    return statistics.median(s / b for s, b in zip(subject_samples, baseline_samples, strict=True) if b > 0)
