"""Building one canary message (MIME with policy.SMTP, the canary id, recipients split the way SES needs them)."""

from __future__ import annotations

__all__: list[str] = []
