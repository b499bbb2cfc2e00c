"""Shared fixtures. Tier markers are applied by folder: tests/unit → unit, tests/functional → functional,
tests/template → template.

Hypothesis profiles: `dev` (the default: fewer examples, quick feedback, `make test-fast`) and `ci` (more
examples, derandomised so a failure reproduces from the same run; `make test` selects it with
HYPOTHESIS_PROFILE=ci). A test's own `@settings(max_examples=...)` still wins over the profile.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("dev", max_examples=50)
settings.register_profile("ci", max_examples=200, derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

_TIER_BY_FOLDER = {"unit": "unit", "functional": "functional", "template": "template"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = _TIER_BY_FOLDER.get(Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0])
        if tier:
            item.add_marker(getattr(pytest.mark, tier))
