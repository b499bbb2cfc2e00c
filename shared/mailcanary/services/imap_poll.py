"""The scheduled IMAP poll's service: read every canary copy waiting in the mailbox, hand the copies to the arrival
decision, and only then delete (or move) them.

Wiring only: the mailbox comes from the settings and the IMAP secret (read with the runtime's Secrets Manager
client); the copies go to `record`, by default the arrival decision (`mailcanary.decide.arrival`) with the store,
the arrival checks and the one effect sink. When `record` raises, nothing is deleted: the next poll reads the
copies again, and recording is idempotent per copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mailcanary.arrival.imap import ImapMailbox, ImapReceiver, ImapTls
from mailcanary.arrival.imap.secret import load_imap_credentials
from mailcanary.arrival.model import ArrivedMessage
from mailcanary.config.runtime import Runtime
from mailcanary.core.errors import ConfigError

__all__ = ["ImapPollReport", "poll_mailbox"]

POLL_SECONDS = 40.0  # of the function's 60 s: the rest records the copies and deletes them
DISPOSE_SECONDS = 10.0

Recorder = Callable[[Sequence[ArrivedMessage]], object]


@dataclass(frozen=True, slots=True)
class ImapPollReport:
    """What one scheduled poll did: copies read and handed on, held back by a bound, deleted or moved."""

    read: int
    held_back: int
    more_waiting: bool
    disposed: int

    def to_summary(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "held_back": self.held_back,
            "more_waiting": self.more_waiting,
            "disposed": self.disposed,
        }


def mailbox_from(runtime: Runtime) -> ImapMailbox:
    """The mailbox of the settings, with the credentials of its secret."""
    settings = runtime.settings
    if not settings.imap_host or not settings.imap_secret_arn:
        raise ConfigError("MAILCANARY_IMAP_HOST and MAILCANARY_IMAP_SECRET_ARN: the IMAP poll needs both")
    credentials = load_imap_credentials(runtime.clients("secretsmanager", None), settings.imap_secret_arn)
    return ImapMailbox(
        settings.imap_host,
        credentials.username,
        credentials.password,
        port=settings.imap_port,
        tls=ImapTls(settings.imap_tls),
        max_messages=settings.imap_max_messages,
    )


def poll_mailbox(runtime: Runtime, *, record: Recorder | None = None) -> ImapPollReport:
    """One bounded poll: read, record (the arrival decision unless `record` is given), then delete or move."""
    receiver = ImapReceiver(mailbox_from(runtime))
    result = receiver.fetch_any(deadline=time.monotonic() + POLL_SECONDS)
    if result.messages:
        (record or _arrival_decision(runtime))(result.messages)
    disposed = receiver.dispose(result, deadline=time.monotonic() + DISPOSE_SECONDS)
    return ImapPollReport(len(result.messages), len(result.skipped), result.more, disposed)


def _arrival_decision(runtime: Runtime) -> Recorder:
    """The copies → the arrival decision, as the SES inbound arrival function hands its copies on."""
    from mailcanary.arrival.checks import judge_arrival
    from mailcanary.decide.arrival import record_arrivals
    from mailcanary.services.alerting import effect_sink
    from mailcanary.store import CanaryStore

    store = CanaryStore(runtime.clients("dynamodb", None), runtime.settings.table_name)

    def record(copies: Sequence[ArrivedMessage]) -> object:
        return record_arrivals(
            copies, store=store, judge=judge_arrival, now=runtime.now(), effects=effect_sink(runtime)
        )

    return record
