"""The arrival benchmark keeps working (quick mode) and measures what it claims to."""

from __future__ import annotations

import pytest

from scripts.benchmarks import arrival as bench

pytestmark = [pytest.mark.bench, pytest.mark.process]  # the memory row runs in a fresh interpreter


def test_given_quick_mode_when_run_then_the_per_message_ratio_and_the_memory_budget_rows() -> None:
    rows = bench.run(quick=True)
    assert [row.target for row in rows] == [1.3, 1.0, None]
    assert "dkimpy" in rows[0].baseline
    assert rows[1].unit == "MB"
    assert rows[1].baseline_value == 100.0
    assert all(row.value > 0 and row.baseline_value > 0 for row in rows)


def test_given_a_fifty_recipient_world_then_one_signed_copy_per_recipient_all_passing() -> None:
    # The benchmark's own check that it measures what it says: every copy verifies and every check passes
    from datetime import timedelta

    from mailcanary.arrival.checks import judge_arrival
    from mailcanary.arrival.dkim import with_own_dkim

    expected, copies, lookup = bench._world(bench.RECIPIENTS)
    assert len(copies) == 50
    verified = [with_own_dkim(each, lookup) for each in copies]  # type: ignore[arg-type]
    verdicts = judge_arrival(expected, verified, now=bench.SENT_AT + timedelta(hours=1))  # type: ignore[arg-type]
    assert {verdict.passed for verdict in verdicts} == {True}
    assert len(verdicts) == 5  # IMAP copies: placement applies
