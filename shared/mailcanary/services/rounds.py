"""The canary function's service: one round on every planned path (see `mailcanary.round.run`).

Only the canary function imports this module, and it does so at init: every one of its invocations runs a
round, so the round's modules (smtplib, ssl, the message builder) load here, with the handler, not in the
first invocation.
"""

from __future__ import annotations

from mailcanary.config.events import RoundOverrides
from mailcanary.config.runtime import Runtime
from mailcanary.round.result import RoundResult
from mailcanary.round.run import run_round

__all__ = ["canary_round"]


def canary_round(runtime: Runtime, overrides: RoundOverrides) -> RoundResult:
    """One round with the console's overrides (none for a scheduled run); its result is the console summary."""
    return run_round(runtime, overrides)
