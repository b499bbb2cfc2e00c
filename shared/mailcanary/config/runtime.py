"""What a service function runs with: the settings, a boto3 client factory and a clock.

Services build their collaborators (store, alert publisher, SES sender, SMTP secret) from these, so a test
or the local lab swaps moto-backed clients or a fixed clock in without patching anything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mailcanary.config import clients as aws_clients
from mailcanary.config.settings import Settings

__all__ = ["ClientFactory", "Runtime", "cached_runtime_from_environ"]

ClientFactory = Callable[[str, str | None], Any]  # (service name, region or None for the default) -> boto3 client


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Runtime:
    """Settings plus where clients and the time come from (cached real clients and the wall clock by default)."""

    settings: Settings
    clients: ClientFactory = field(default=aws_clients.client)
    now: Callable[[], datetime] = field(default=_utc_now)


def cached_runtime_from_environ() -> Callable[[], Runtime]:
    """A handler's runtime accessor: settings read on the first invocation (not at import), then reused warm.

    Each handler module holds its own accessor, so loading a handler module anew starts from fresh settings.
    """
    return functools.cache(lambda: Runtime(Settings.from_environ()))
