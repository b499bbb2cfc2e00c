"""The three service functions the Lambda handlers call: one canary round, SES notifications, the sweep.

Each builds its collaborators (canary store, alert publisher, SES sender, SMTP secret) from `Runtime`, runs
the logic, publishes metrics through `observability.emit` (the one metric contract) and alerts through
`AlertPublisher` (deduplicated per path and check), and returns a report whose `to_summary()` is what the
Lambda console shows.

One module per function, so each handler imports only its own service at init: the sweeper and SES-events
functions never load the round (smtplib, ssl, the message builder), the canary function never loads the
sweeper or the SES-event idempotency. Names are exported lazily (PEP 562), as in `mailcanary.ses`:
`from mailcanary.services import sweep` imports only `services.sweeps`. Handlers import their function from
its module at init (`from mailcanary.services.sweeps import sweep`), never through this package's attribute
at call time, which would move the import into the first invocation.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailcanary.services.notifications import reconcile_notifications
    from mailcanary.services.rounds import canary_round
    from mailcanary.services.sweeps import sweep

_MODULE_OF = {"canary_round": "rounds", "reconcile_notifications": "notifications", "sweep": "sweeps"}

__all__ = ["canary_round", "reconcile_notifications", "sweep"]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
