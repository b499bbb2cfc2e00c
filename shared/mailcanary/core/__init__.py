"""The small core every stage shares: stable check names and states, the error root, `Secret`, redaction."""

from __future__ import annotations

__all__: list[str] = []
