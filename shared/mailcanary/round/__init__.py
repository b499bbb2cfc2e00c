"""One canary round: the plan, the API and SMTP path executors, send-time checks, the send recorder, the result."""

from __future__ import annotations

__all__: list[str] = []
