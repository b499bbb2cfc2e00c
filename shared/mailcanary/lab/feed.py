"""Turn what one round's paths really handed over into SES events, and deliver them to the real handler.

- API path: the message id and the `Destinations` the round passed (SES uses only those; moto's list also
  holds the header recipients, so it is not used) and the raw bytes moto stored.
- SMTP path: the lab endpoint's delivery record with the message id it answered `250 Ok <id>` with: the RCPT
  TO recipients it accepted and the message as it would pass it on (faults may have altered it).

Each SNS notification is one handler invocation, as SNS invokes Lambda with one record at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mailcanary.lab.invoke import Handler, Invocation, invoke
from mailcanary.lab.ses_emulator import AcceptedMessage, EventFault, emulate_events, sns_lambda_event
from mailcanary.lab.smtp_endpoint import DeliveredMessage

__all__ = ["FedEvents", "accepted_messages", "feed_events"]

EVENT_DELAY = timedelta(milliseconds=500)  # emulated time from SES accepting a message to its events


@dataclass(frozen=True)
class FedEvents:
    """What was delivered to the SES events handler for one round."""

    records: tuple[dict[str, Any], ...]  # distinct SES event records (before any duplication)
    invocations: tuple[Invocation, ...]
    missing: tuple[str, ...]  # paths whose accepted message the lab could not find (a lab error)

    def count(self, event_type: str) -> int:
        return sum(1 for record in self.records if record.get("eventType") == event_type)

    def recipients(self, event_type: str) -> int:
        """Recipients reported by events of one type (one Delivery or Bounce record per recipient here)."""
        key = event_type.lower()
        total = 0
        for record in self.records:
            if record.get("eventType") == event_type:
                detail = record.get(key, {})
                total += len(detail.get("recipients", detail.get("bouncedRecipients", [])))
        return total


def accepted_messages(
    round_summary: Mapping[str, Any],
    *,
    sender: str,
    configuration_set: str,
    sent_raw: Mapping[str, bytes],
    delivered: Sequence[DeliveredMessage],
    now: datetime | None = None,
) -> tuple[list[AcceptedMessage], list[str]]:
    """(accepted message per path that SES accepted, names of paths whose message could not be found)."""
    at = now or datetime.now(UTC)
    by_id = {each.message_id: each for each in delivered}
    accepted: list[AcceptedMessage] = []
    missing: list[str] = []
    for path in round_summary.get("paths", []):
        message_id = path.get("ses_message_id")
        if not message_id:
            continue  # the send failed: SES accepted nothing, so it publishes nothing
        if path.get("kind") == "smtp":
            record = by_id.get(message_id)
            if record is None:
                missing.append(str(path.get("path")))
                continue
            accepted.append(
                AcceptedMessage(message_id, record.mail_from, record.rcpt_tos, record.content, at, configuration_set)
            )
        else:
            raw = sent_raw.get(message_id)
            if raw is None:
                missing.append(str(path.get("path")))
                continue
            destinations = tuple(str(each) for each in path.get("envelope", ()))
            accepted.append(AcceptedMessage(message_id, sender, destinations, raw, at, configuration_set))
    return accepted, missing


def feed_events(
    handler: Handler,
    accepted: Sequence[AcceptedMessage],
    *,
    faults: Collection[EventFault] = (),
    missing: Sequence[str] = (),
) -> FedEvents:
    """Emulate each accepted message's SES events and invoke the SES events handler once per notification."""
    records = [record for message in accepted for record in emulate_events(message, faults=faults, delay=EVENT_DELAY)]
    event = sns_lambda_event(records, faults=faults)
    invocations = [invoke("ses_events", handler, {"Records": [record]}) for record in event["Records"]]
    return FedEvents(tuple(records), tuple(invocations), tuple(missing))
