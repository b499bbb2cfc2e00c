from __future__ import annotations

import pytest

from scripts.benchmarks import sequence

pytestmark = pytest.mark.bench


def test_given_quick_mode_when_the_sequence_benchmark_runs_then_it_reports_info_rows() -> None:
    # Given the sequence benchmark, When run quickly, Then both rows come back as information against a baseline
    rows = sequence.run(quick=True)
    assert [row.name for row in rows] == ["smtp.sequence.validate", "smtp.transcript_io.parse (swaks text)"]
    assert all(row.verdict == "info" and row.baseline_value > 0 for row in rows)
