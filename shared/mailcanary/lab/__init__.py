"""The embedded local default: moto's server, an SES-like SMTP endpoint, an SES event emulator, faults.

Only the CLI and the tests use it; nothing inside Lambda imports it.
"""

from __future__ import annotations

__all__: list[str] = []
