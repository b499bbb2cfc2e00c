"""Proof of arrival: read each canary where it lands (SES inbound receipt, an IMAP mailbox) and judge what arrived.

`model` is the contract every receiver fills and every arrival check reads; receivers never judge, checks never
fetch.
"""

from __future__ import annotations

__all__: list[str] = []
