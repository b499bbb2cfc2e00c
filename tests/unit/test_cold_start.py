"""paused_gc: a handler's init runs without cyclic GC passes, and the collector always comes back on."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from mailcanary.config.cold_start import paused_gc


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    """Whatever a test does, the next one starts with the collector as pytest had it."""
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_given_an_enabled_collector_when_the_block_runs_then_it_is_off_inside_and_on_after() -> None:
    # Given the collector on, as in a fresh Lambda process
    gc.enable()
    # When the init block runs
    with paused_gc():
        inside = gc.isenabled()
    # Then no cyclic collection could run inside it, and the collector is on again afterwards
    assert inside is False
    assert gc.isenabled()


def test_given_an_import_that_raises_when_the_block_exits_then_the_collector_is_on_again() -> None:
    # Given the collector on
    gc.enable()
    # When an import inside the block fails (a broken layer, a missing module)
    with pytest.raises(ModuleNotFoundError), paused_gc():
        import mailcanary_no_such_module  # type: ignore[import-not-found]  # noqa: F401
    # Then the error reaches the caller and the collector is not left off
    assert gc.isenabled()


def test_given_a_successful_block_when_it_exits_then_what_it_created_is_frozen() -> None:
    # Given the collector on and a known number of frozen objects
    gc.enable()
    before = gc.get_freeze_count()
    # When the block creates long-lived objects
    with paused_gc():
        created = [[n] for n in range(1000)]  # lists are always tracked by the collector
    # Then they were moved to the permanent generation (later collections skip them)
    assert gc.get_freeze_count() >= before + len(created)
    gc.unfreeze()  # give the test process's objects back to the collector


def test_given_a_collector_the_caller_switched_off_when_the_block_exits_then_it_stays_off() -> None:
    # Given a caller who runs with the collector off
    gc.disable()
    # When the block runs
    with paused_gc():
        pass
    # Then the caller's choice is kept
    assert not gc.isenabled()
