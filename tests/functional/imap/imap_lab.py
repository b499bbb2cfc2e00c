"""The lab mailbox as the IMAP tests see it: its settings, sending a canary into it, polling it (bounded)."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mailcanary.arrival.imap import ImapMailbox, ImapTls
from mailcanary.core.secret import Secret
from mailcanary.message import build_canary, new_canary_id

SENDER = "sender@localhost"


@dataclass(frozen=True)
class DovecotLab:
    host: str
    imaps_port: int
    starttls_port: int
    ca_file: str
    other_ca_file: str
    domain: str
    passwords: dict[str, str]
    smtp: Any  # the lab Postfix

    def mailbox(self, user: str = "canary", **overrides: Any) -> ImapMailbox:
        settings: dict[str, Any] = {"port": self.imaps_port, "ca_file": self.ca_file, "command_timeout": 10.0}
        if overrides.get("tls") is ImapTls.STARTTLS:
            settings["port"] = self.starttls_port
        settings |= overrides
        return ImapMailbox(self.host, user, Secret(self.passwords[user]), **settings)

    def send(self, recipients: Sequence[str], canary_id: str | None = None) -> str:
        """One canary through the lab Postfix to `recipients` (addresses at the lab domain); its canary id."""
        canary_id = canary_id or new_canary_id()
        canary = build_canary(canary_id, SENDER, [recipients[0]], cc=list(recipients[1:]))
        with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=10) as client:
            refused = client.sendmail(SENDER, list(recipients), canary.raw)
        assert refused == {}
        return canary_id

    def address(self, local: str) -> str:
        return f"{local}@{self.domain}"


def poll_until(receiver: Any, canary_id: str, expected: int, seconds: float = 20.0) -> list[Any]:
    """Poll until `expected` copies were read (Postfix delivers within a second or two); bounded by `seconds`."""
    deadline = time.monotonic() + seconds
    copies: list[Any] = []
    for _ in range(200):
        copies += receiver.fetch([canary_id], deadline=time.monotonic() + 10)
        if len(copies) >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return copies
