"""Fixtures of the lab tests."""

from __future__ import annotations

import pytest
from arrival_judge import bounces, judge


@pytest.fixture(autouse=True)
def arrival_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production arrival checks (mailcanary.arrival.checks) are built beside this; the small real judge of
    the functional tests stands in until then, through the arrival service's one lookup of them."""
    monkeypatch.setattr("mailcanary.services.arrivals._arrival_checks", lambda: judge)
    monkeypatch.setattr("mailcanary.services.arrivals._bounce_checks", lambda: bounces)
