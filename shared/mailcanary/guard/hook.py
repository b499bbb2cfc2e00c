"""A preflight guard other applications install on their own boto3 SES client.

    import boto3, mailcanary.guard
    ses = boto3.client("ses")
    mailcanary.guard.install(ses, mode="enforce")   # or "warn"

Every raw send made through that client (SES v1 `SendRawEmail`, SESv2 `SendEmail` with `Content.Raw`) is
checked before botocore builds the request: the recipients in the MIME headers against the `Destinations`.
`warn` logs each finding and counts it; `enforce` raises `GuardRejectedError` and nothing is sent. An
injection attempt (CR, LF or NUL in an address) is refused in both modes.

Only the header block is read (never the body) and parsing is bounded (`mailcanary.recipients.limits`):
headers too large to check are a `too_large` finding, logged in `warn` mode (SES then decides) and refused
with `GuardTooLargeError` in `enforce` mode.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mailcanary.core.errors import UsageError
from mailcanary.recipients import (
    Finding,
    FindingKind,
    GuardRejectedError,
    GuardTooLargeError,
    RecipientError,
    compare,
    normalise,
    parse_header_recipients,
)

__all__ = ["Guard", "GuardMode", "GuardRejectedError", "GuardTooLargeError", "check_send_raw_email", "install"]

logger = logging.getLogger("mailcanary.guard")

# botocore event names (service id, operation) of the raw sends the guard checks.
OPERATIONS = {"ses": "SendRawEmail", "sesv2": "SendEmail"}


class GuardMode(StrEnum):
    WARN = "warn"
    ENFORCE = "enforce"


def check_send_raw_email(params: Mapping[str, Any]) -> tuple[Finding, ...]:
    """The recipient findings for the parameters of one SendRawEmail or SESv2 SendEmail(Raw) call.

    A SESv2 call without `Content.Raw` (simple or templated content) has no MIME to compare: no findings.
    Without `Destinations` SES takes the recipients from the headers, so only the header itself is checked.
    Parameters botocore's own validation will refuse (wrong types) are left to it: no findings.
    """
    if "RawMessage" in params:
        data = _get(params, "RawMessage", "Data")
        envelope = params.get("Destinations")
    else:
        data = _get(params, "Content", "Raw", "Data")
        destination = params.get("Destination")
        envelope = None
        if isinstance(destination, Mapping):
            fields = ("ToAddresses", "CcAddresses", "BccAddresses")
            envelope = [address for name in fields for address in destination.get(name) or ()]
    if not isinstance(data, bytes | bytearray | str) or not (envelope is None or isinstance(envelope, list | tuple)):
        return ()
    header = parse_header_recipients(data)  # reads the header block only: the body is never copied
    if envelope is not None and not all(isinstance(address, str) for address in envelope):
        return ()
    return compare(intended=None, header=header, envelope=envelope)


def _get(params: Mapping[str, Any], *path: str) -> Any:
    value: Any = params
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


@dataclass
class Guard:
    """The handler installed on one client, with what it has seen (safe to read from any thread)."""

    mode: GuardMode
    allow: frozenset[FindingKind] = frozenset()
    blind_copies: frozenset[str] = frozenset()
    checked: int = 0
    refused: int = 0
    findings: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _unregister: list[tuple[Any, str]] = field(default_factory=list, repr=False)

    def __call__(self, params: Mapping[str, Any], model: Any = None, **_: Any) -> None:
        """botocore `before-parameter-build` handler: check, then log/count or raise before anything is sent."""
        operation = getattr(model, "name", "SendRawEmail")
        found = tuple(f for f in check_send_raw_email(params) if self._reportable(f))
        injection = any(f.kind is FindingKind.INJECTION_ATTEMPT for f in found)
        refuse = bool(found) and (self.mode is GuardMode.ENFORCE or injection)
        with self._lock:
            self.checked += 1
            self.findings.update(f.kind.value for f in found)
            self.refused += int(refuse)
        for finding in found:
            logger.warning(
                "mailcanary guard: %s %s (%s) in %s",
                finding.kind.value,
                finding.address,
                finding.where,
                operation,
                extra={"check": finding.check.value, "finding": finding.kind.value, "mode": self.mode.value},
            )
        if refuse:
            too_large = any(f.kind is FindingKind.TOO_LARGE for f in found)
            raise (GuardTooLargeError if too_large else GuardRejectedError)(operation, found)

    def _reportable(self, finding: Finding) -> bool:
        if finding.kind is FindingKind.INJECTION_ATTEMPT:
            return True  # never allowed away
        if finding.kind in self.allow:
            return False
        return not (finding.kind is FindingKind.ENVELOPE_ONLY and finding.address in self.blind_copies)

    @property
    def unique_id(self) -> str:
        return f"mailcanary-guard-{id(self):x}"

    def uninstall(self) -> None:
        """Remove the handler from every client it was installed on."""
        for events, name in self._unregister:
            events.unregister(name, self, unique_id=self.unique_id)
        self._unregister.clear()


def install(
    client: Any,
    mode: GuardMode | str = GuardMode.WARN,
    *,
    allow: Iterable[FindingKind | str] = (),
    blind_copies: Iterable[str] = (),
) -> Guard:
    """Check every raw send made through `client` (an SES or SESv2 boto3 client) before it leaves.

    `allow` lists finding kinds to ignore (e.g. `"envelope_only"` for an application that uses blind copies
    freely); `blind_copies` lists addresses that may be on the envelope without being in any header.
    """
    try:
        guard_mode = GuardMode(mode)
        allowed = frozenset(FindingKind(kind) for kind in allow)
        blind = frozenset(normalise(address) for address in blind_copies)
    except RecipientError:
        raise
    except ValueError as exc:
        raise UsageError(f"guard: {exc}") from exc
    service = client.meta.service_model.service_id.hyphenize()
    if service not in OPERATIONS:
        raise UsageError(f"guard: {service!r} is not an SES client (ses or sesv2)")
    guard = Guard(guard_mode, allowed, blind)
    name = f"before-parameter-build.{service}.{OPERATIONS[service]}"
    client.meta.events.register(name, guard, unique_id=guard.unique_id)
    guard._unregister.append((client.meta.events, name))
    return guard
