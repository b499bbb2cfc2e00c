"""The SES side: the API sender, SES event models, the mailbox simulator, SMTP credentials."""

from __future__ import annotations

__all__: list[str] = []
