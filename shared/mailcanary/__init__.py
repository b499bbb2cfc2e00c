"""mailcanary: an email canary for Amazon SES — the SES API path and the SMTP path, proven to agree."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
