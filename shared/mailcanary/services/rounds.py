"""The canary function's service: one round on every planned path (see `mailcanary.canary`).

Only the canary function imports this module, and it does so at init: every one of its invocations runs a
round, so the round's modules (smtplib, ssl, the message builder) load here, with the handler, not in the
first invocation.
"""

from __future__ import annotations

from mailcanary.canary import run_round
from mailcanary.events_in import RoundOverrides
from mailcanary.round_result import RoundResult
from mailcanary.runtime import Runtime

__all__ = ["canary_round"]


def canary_round(runtime: Runtime, overrides: RoundOverrides, remaining_seconds: float | None = None) -> RoundResult:
    """One round with the console's overrides (none for a scheduled run); its result is the console summary.

    `remaining_seconds` (the Lambda context's remaining time) bounds the round's sends (`mailcanary.round_budget`).
    """
    return run_round(runtime, overrides, remaining_seconds=remaining_seconds)
