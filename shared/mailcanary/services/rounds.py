"""The canary function's service: one round on every planned path (see `mailcanary.round.run`).

Only the canary function imports this module, and it does so at init: every one of its invocations runs a
round, so the round's modules (smtplib, ssl, the message builder) load here, with the handler, not in the
first invocation.
"""

from __future__ import annotations

from datetime import datetime

from mailcanary.config.events import RoundOverrides
from mailcanary.config.runtime import Runtime
from mailcanary.decide.transitions import settle
from mailcanary.round.result import RoundResult
from mailcanary.round.run import run_round
from mailcanary.services.alerting import alert_publisher
from mailcanary.services.artifacts import artifact_writer
from mailcanary.store import CanaryRecord, CanaryStore

__all__ = ["canary_round"]


def canary_round(runtime: Runtime, overrides: RoundOverrides, remaining_seconds: float | None = None) -> RoundResult:
    """One round with the console's overrides (none for a scheduled run); its result is the console summary.

    Builds what the round needs from the runtime: the canary store, the alert publisher, how a canary whose
    paths were all decided at send time is settled, the artifact writer. `remaining_seconds` (the Lambda
    context's remaining time) bounds the round's sends (`mailcanary.round.budget`).
    """
    store = CanaryStore(runtime.clients("dynamodb", None), runtime.settings.table_name)
    publisher = alert_publisher(runtime)
    return run_round(
        runtime,
        overrides,
        store=store,
        publisher=publisher,
        settle=_settle,
        remaining_seconds=remaining_seconds,
        artifacts=artifact_writer(runtime),
    )


def _settle(store: CanaryStore, canary: CanaryRecord, now: datetime) -> None:
    settle(store, canary, now=now)
