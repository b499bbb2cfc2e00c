"""Set environment variables for the lab's in-process handler invocations, and put everything back afterwards.

The handlers read their configuration from the environment (mailcanary.config.settings.Settings is the only reader),
and boto3 reads `AWS_ENDPOINT_URL`, credentials and region from it; the lab sets exactly those for the
duration of a run. Variables that were unset before are removed again, the others restored to their values.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

__all__ = ["patched_environ"]

# Variables that would send the lab's AWS calls somewhere other than moto if inherited from the shell.
_CLEARED = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@contextmanager
def patched_environ(values: Mapping[str, str], *, clear: tuple[str, ...] = _CLEARED) -> Iterator[None]:
    """Within the block, `values` are set and `clear` (plus inherited AWS_ENDPOINT_URL_* overrides) are unset."""
    inherited_endpoints = tuple(name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_"))
    touched = set(values) | set(clear) | set(inherited_endpoints)
    saved = {name: os.environ.get(name) for name in touched}
    try:
        for name in (*clear, *inherited_endpoints):
            os.environ.pop(name, None)
        os.environ.update(values)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
