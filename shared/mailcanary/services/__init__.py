"""Wiring: the one layer that builds the store, the senders, the credentials and the alert publisher from the
`Runtime` and passes them to the round, the reconciler and the sweeper; what the Lambda handlers call.

One module per function, so each handler imports only its own service at init: `services.rounds` (the canary
function), `services.notifications` (SES events), `services.sweeps` (the sweeper); `services.alerting` builds
the one alert publisher all three use. The sweeper and SES-events functions never load the round (smtplib,
ssl, the message builder), the canary function never loads the sweep. This package imports nothing itself.
"""

from __future__ import annotations

__all__: list[str] = []
