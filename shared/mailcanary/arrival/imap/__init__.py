"""The IMAP receiver: canaries read back from any IMAP mailbox (IMAPS or STARTTLS, certificates verified),
searched by their own header in the inbox and the spam folder, bounded per poll, deleted or moved once read.

Standard library only (`imaplib`, `ssl`, `email`); boto3 is needed only by `secret`.
"""

from __future__ import annotations

from mailcanary.arrival.imap.errors import (
    ImapAuthError,
    ImapConfigError,
    ImapConnectError,
    ImapError,
    ImapPlaintextRefusedError,
    ImapProtocolError,
    ImapTimeoutError,
    ImapTlsError,
)
from mailcanary.arrival.imap.mailbox import AfterRead, ImapMailbox, ImapTls
from mailcanary.arrival.imap.receiver import ImapReceiver, PollResult, Skipped, SkipReason

__all__ = [
    "AfterRead",
    "ImapAuthError",
    "ImapConfigError",
    "ImapConnectError",
    "ImapError",
    "ImapMailbox",
    "ImapPlaintextRefusedError",
    "ImapProtocolError",
    "ImapReceiver",
    "ImapTimeoutError",
    "ImapTls",
    "ImapTlsError",
    "PollResult",
    "SkipReason",
    "Skipped",
]
