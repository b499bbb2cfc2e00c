"""Errors of the recipients package: addresses that cannot be used, injection attempts, guard refusals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailcanary.core.errors import MailcanaryError

if TYPE_CHECKING:
    from mailcanary.recipients.limits import Oversize
    from mailcanary.recipients.model import Finding

__all__ = [
    "GuardRejectedError",
    "GuardTooLargeError",
    "RecipientAddressError",
    "RecipientError",
    "RecipientInjectionError",
    "RecipientsTooLargeError",
]


class RecipientError(MailcanaryError):
    """Raised when a recipient address or recipient header cannot be used."""


class RecipientAddressError(RecipientError, ValueError):
    """Raised when an address is not a single well-formed mailbox (or its domain is not IDNA-encodable)."""


class RecipientInjectionError(RecipientError, ValueError):
    """Raised when an address or header value carries CR, LF or NUL: a header-injection attempt, always refused."""

    def __init__(self, value: str) -> None:
        bad = sorted({repr(ch) for ch in value if ch in "\r\n\x00"})
        super().__init__(f"refused: {', '.join(bad)} in address {value[:80]!r} (header injection)")
        self.value = value


class RecipientsTooLargeError(RecipientError):
    """Raised when recipient headers or an address list are over a parsing limit: too large to check."""

    def __init__(self, oversize: Oversize) -> None:
        super().__init__(f"too large to check: {oversize}")
        self.oversize = oversize


class GuardRejectedError(RecipientError):
    """Raised by the preflight guard in enforce mode (and for injection in any mode): nothing was sent."""

    def __init__(self, operation: str, findings: tuple[Finding, ...]) -> None:
        names = ", ".join(sorted({finding.kind.value for finding in findings}))
        super().__init__(f"{operation} refused by the mailcanary guard: {names}")
        self.operation = operation
        self.findings = findings


class GuardTooLargeError(GuardRejectedError):
    """Raised by the guard in enforce mode when a message's recipients are too large to check: nothing was sent."""
