"""Shared fixtures. Tier markers are applied by folder: tests/unit → unit, tests/functional → functional,
tests/template → template.

Hypothesis profiles: `ci` (the default: few examples, derandomised, so `make test` stays short and repeatable)
and `dev` (more examples, random) chosen with HYPOTHESIS_PROFILE=dev. Neither has a per-example deadline: a
slow machine must not fail a property; time and memory bounds are `make fuzz`'s job. Tests that set their
own `max_examples` keep it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

_TIER_BY_FOLDER = {"unit": "unit", "functional": "functional", "template": "template"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = _TIER_BY_FOLDER.get(Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0])
        if tier:
            item.add_marker(getattr(pytest.mark, tier))
