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

`xray_subsegments_enabled` is the one setting read at import (it decides which modules a handler imports); it
lives here rather than beside the settings model so that deciding it builds no pydantic model.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from mailcanary.core.errors import ConfigError

__all__ = ["TRACE_DISABLED_VARIABLE", "paused_gc", "xray_subsegments_enabled"]

# Set by the template from its XRaySubsegments parameter; Powertools reads the same variable.
TRACE_DISABLED_VARIABLE = "POWERTOOLS_TRACE_DISABLED"


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


def xray_subsegments_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the handlers load the Powertools Tracer (and with it the X-Ray SDK) at all.

    Read once, when a handler module is imported: the decision is which modules to import, so it cannot wait
    for the first invocation. Off when `POWERTOOLS_TRACE_DISABLED` is true in Powertools' own spelling
    ("1", "true", "yes", "on", ...); the template sets it from the `XRaySubsegments` parameter.
    """
    from aws_lambda_powertools.shared.functions import strtobool

    source = os.environ if environ is None else environ
    try:
        return not strtobool(source.get(TRACE_DISABLED_VARIABLE, "false"))
    except ValueError as exc:
        raise ConfigError(f"{TRACE_DISABLED_VARIABLE}: not a boolean: {source[TRACE_DISABLED_VARIABLE]!r}") from exc
