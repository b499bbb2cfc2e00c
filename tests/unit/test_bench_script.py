from __future__ import annotations

import pytest

from scripts.benchmarks._common import Row

pytestmark = pytest.mark.bench


def test_given_row_when_ratio_over_target_then_missed() -> None:
    assert Row("a", "b", 2.0, 1.0, target=1.5).verdict == "MISSED"
    assert Row("a", "b", 1.0, 1.0, target=1.5).verdict == "ok"
    assert Row("a", "b", 1.0, 1.0).verdict == "info"
