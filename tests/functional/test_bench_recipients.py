"""The recipients benchmark keeps working (quick mode) and measures what it claims to."""

from __future__ import annotations

import pytest

from mailcanary.recipients import FindingKind, compare, parse_header_recipients
from scripts.benchmarks import recipients as bench

pytestmark = pytest.mark.bench


def test_given_generated_messages_then_distinct_and_consistent_apart_from_the_audit_bcc() -> None:
    messages = bench.generate(50, "canary") + bench.generate(50, "app")
    assert len({raw for raw, _ in messages}) == 100
    for raw, envelope in messages:
        findings = compare(intended=None, header=parse_header_recipients(raw), envelope=envelope)
        assert {(f.kind, f.address) for f in findings} <= {(FindingKind.ENVELOPE_ONLY, "audit@example.com")}


def test_given_quick_mode_when_run_then_one_row_per_measurement(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given quick mode, When the benchmark runs, Then the 10,000-message mix and the guard over HTTP carry the targets;
    # the per-kind breakdown and the in-process (mock_aws) guard figure are info rows without a target.
    rows = bench.run(quick=True)
    assert [row.target for row in rows] == [1.5, None, None, 1.05, None]  # per-kind rows break the mix down
    assert "moto server over HTTP" in rows[3].name
    assert "in-process" in rows[4].name
    assert all(row.value > 0 and row.baseline_value > 0 for row in rows)
