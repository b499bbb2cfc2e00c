"""Secret masking for everything mailcanary publishes: logs, alert bodies, JSON summaries.

Transcripts are already redacted at the source (the SMTP session never records AUTH arguments); this is
the second line of defence applied at the boundary where data leaves the process. It masks
- values under secret-looking keys (password, secret, token, authorization, credentials, ...),
- SMTP `AUTH <mechanism> <initial-response>` arguments and AWS secret access keys in free text,
- any value registered with `register_secret` (the SMTP password once it is read from Secrets Manager).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MASK", "redact", "redact_text", "register_secret"]

MASK = "*****"

# Key names whose values are secrets; `secret_arn`, `secret_name` and `secret_id` only name where a secret is.
_SECRET_KEY = re.compile(
    r"password|passwd|passphrase|secret(?!_?(arn|name|id)\b)|token|authori[sz]ation|credential|api_?key|private_?key",
    re.I,
)
# "AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=" / "AUTH LOGIN dXNlcg==" -> keep the mechanism, mask the argument.
_AUTH_ARGUMENT = re.compile(r"(\bAUTH\s+[A-Za-z0-9_-]+)\s+\S+", re.I)
# A 40-character AWS secret access key standing alone in text (access key ids are not secret); mixed case is
# required so that 40-digit hex digests are left alone.
_AWS_SECRET_KEY = re.compile(
    r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
)
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words

_registered: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Mask every later occurrence of `value` in logs and alerts (ignored when shorter than 4 characters)."""
    if len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _registered.add(value)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with AUTH arguments, AWS secret keys and registered or given secret values masked."""
    with _lock:
        known = sorted(_registered.union(s for s in secrets if len(s) >= _MIN_SECRET_LENGTH), key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    text = _AUTH_ARGUMENT.sub(rf"\1 {MASK}", text)
    return _AWS_SECRET_KEY.sub(MASK, text)


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of `value` (JSON-like: dicts, lists, tuples, strings) with every secret masked."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, Mapping):
        return {
            key: MASK if isinstance(key, str) and _SECRET_KEY.search(key) and value[key] else redact(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item, secrets) for item in value]
    return value
