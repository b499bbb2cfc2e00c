"""The decision: what SES should report, a path judged from its events, reconcile, the sweep to lost, idempotency."""

from __future__ import annotations

__all__: list[str] = []
