"""Cached boto3 client factories: one client per (service, region) per process, created on first use.

Nothing here runs at import (boto3 itself is imported on the first call), so importing a handler stays
cheap and Lambda reuses clients across warm invocations. Adapters still take their client as an argument;
these factories are what services pass in when they run inside Lambda.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["clear", "client"]

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 15
MAX_ATTEMPTS = 3  # every attempt, the first included (botocore's "max_attempts" would count retries only)
MAX_POOL_CONNECTIONS = 64  # a round's paths share one client from up to 64 threads (mailcanary.round.run.MAX_WORKERS)


@functools.cache
def _client(service_name: str, region_name: str | None) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )
    return boto3.session.Session().client(service_name, region_name=region_name, config=config)  # type: ignore[call-overload]


def client(service_name: str, region_name: str | None = None) -> Any:
    """The cached client of any service (`Runtime.clients` in `mailcanary.config.runtime` is this by default)."""
    return _client(service_name, region_name)


def clear() -> None:
    """Forget every cached client (tests that switch between moto backends use this)."""
    _client.cache_clear()
