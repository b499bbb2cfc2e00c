"""Shared fixtures. Tier markers are applied by folder: tests/unit → unit, tests/functional → functional,
tests/template → template."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

_TIER_BY_FOLDER = {"unit": "unit", "functional": "functional", "template": "template"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = _TIER_BY_FOLDER.get(Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0])
        if tier:
            item.add_marker(getattr(pytest.mark, tier))
