"""Proof of arrival: read each canary where it lands (SES inbound receipt, an IMAP mailbox) and judge what arrived.

`model` is the contract every receiver fills and every arrival check reads; receivers never judge, checks never
fetch. `expected` records what a path sent, `checks` judges the copies (`judge_arrival`, `arrival_latencies`),
`dkim` is our own DKIM verification, `auth_results` reads RFC 8601 fields, `bounces` and `verp` attribute
returned bounces. Modules are imported one by one: nothing is exported here.
"""

from __future__ import annotations

__all__: list[str] = []
