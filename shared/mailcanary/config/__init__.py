"""Configuration: the settings model (the only reader of the environment), the runtime, cached boto3 clients,
the Lambda event models and the cold-start GC pause.

Nothing is imported here, so `mailcanary.config.cold_start` stays the cheap first import of every handler.
"""

from __future__ import annotations

__all__: list[str] = []
