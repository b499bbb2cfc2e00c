"""A Lambda handler module's imports, run with Python's cyclic garbage collector paused.

Importing boto3, pydantic, Powertools and mailcanary creates hundreds of thousands of container objects
(modules, classes, functions, dicts) that live as long as the process. While they are created, allocation
counts keep triggering the cyclic GC, which scans the young objects again and again and finds nothing to free:
that is a sizeable share of a handler's cold start (`make bench`, cold_import, shows the handlers and
`import boto3` alone with and without it). So each handler imports inside `paused_gc()`: the collector is off
during the imports, then `gc.freeze()` moves every object that survived into the permanent generation (the
CPython API for long-lived start-up objects), so later collections during invocations do not rescan them, and
the collector is switched back on. Reference counting still frees acyclic garbage as usual while paused.

The collector is switched back on even when an import raises, so a failed init never leaves it off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic GC for the block; on success freeze what it created; always restore the GC's state.

    A collector that was already off (a caller's own choice) is left off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()
