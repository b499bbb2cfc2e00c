"""Bounce messages: RFC 3464 DSNs and the non-standard dialects real MTAs send, one taxonomy of reasons."""

from __future__ import annotations

__all__: list[str] = []
