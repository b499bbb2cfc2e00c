"""The preflight guard other applications install on their own boto3 SES client (`mailcanary.guard.install`).

The botocore hook and its checks live in `guard.hook`; this package exports the public names.
"""

from __future__ import annotations

from mailcanary.guard.hook import (
    Guard,
    GuardMode,
    GuardRejectedError,
    GuardTooLargeError,
    check_send_raw_email,
    install,
)

__all__ = ["Guard", "GuardMode", "GuardRejectedError", "GuardTooLargeError", "check_send_raw_email", "install"]
