"""The monthly cost model of the default deployment (an operator tool; never imported in Lambda)."""

from __future__ import annotations

__all__: list[str] = []
