"""Shared fixtures. Tier markers are applied by folder: tests/unit → unit, tests/functional → functional,
tests/template → template.

Hypothesis profiles: `ci` (the default: few examples, derandomised, so `make test` stays short and repeatable)
and `dev` (more examples, random) chosen with HYPOTHESIS_PROFILE=dev. Neither has a per-example deadline: a
slow machine must not fail a property; time and memory bounds are `make fuzz`'s job. Tests that set their
own `max_examples` keep it.

The `aws` fixture is the one moto world of every folder (tests/support/aws_world.py): the mock and the clients
that build it last the session, and each test starts from moto's reset with the baseline built again.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from tests.support.aws_world import AwsWorld, MotoSession

settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

_TIER_BY_FOLDER = {"unit": "unit", "functional": "functional", "template": "template"}


@pytest.fixture(autouse=True)
def mailcanary_logger_as_found() -> Iterator[None]:
    """A test that sets up the Powertools Logger (a handler, a service that logs) leaves the `mailcanary` logger as
    it found it. In use each handler and each CLI run is its own process; here a Logger left behind by one test
    would print JSON log lines into a later test's CLI output."""
    logger = logging.getLogger("mailcanary")
    handlers, attributes = list(logger.handlers), dict(vars(logger))
    yield
    if logger.handlers == handlers:
        return
    logger.handlers[:] = handlers
    for name in set(vars(logger)) - set(attributes):  # Powertools marks the logger it configured
        delattr(logger, name)
    for name, value in attributes.items():
        if name not in ("handlers", "level"):
            setattr(logger, name, value)
    logger.setLevel(attributes["level"])  # and forget every logger's cached level checks
    observability = sys.modules.get("mailcanary.report.observability")
    if observability is not None:
        observability.get_logger.cache_clear()  # the next get_logger() sets up a Logger again


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = _TIER_BY_FOLDER.get(Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0])
        if tier:
            item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(scope="session")
def moto_session() -> MotoSession:
    """moto's mock and the clients that build the world, made once (moto is imported only where it is used)."""
    from tests.support.aws_world import MotoSession

    return MotoSession()


@pytest.fixture
def aws(moto_session: MotoSession, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsWorld]:
    """The moto world of tests/support/aws_world.py, built afresh for this test (moto reset, baseline rebuilt)."""
    from mailcanary.config import clients as aws_clients
    from tests.support.aws_world import fake_credentials

    fake_credentials(monkeypatch)
    aws_clients.clear()  # production's cached clients belong to the previous test's credentials
    world = moto_session.open()
    try:
        yield world
    finally:
        moto_session.close()
        aws_clients.clear()
