"""Builders of the arrival tests: a canary whose SMTP path awaits its copy, and copies as a receiver reads them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mailcanary.arrival.model import ArrivedMessage, AuthVerdict, ReceiverKind
from mailcanary.message import CanaryMessage, build_canary, restamp
from mailcanary.round.fingerprint import sent_fingerprint
from mailcanary.store import CanaryRecord, CanaryStore, PathKind, new_canary, new_path

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
DOMAIN = "inbound.example.org"
PASSING = {"spf": AuthVerdict.PASS, "dkim": AuthVerdict.PASS, "dmarc": AuthVerdict.PASS}


def canary_message(canary_id: str) -> CanaryMessage:
    return build_canary(canary_id, "canary@example.com", [f"to+{canary_id}@{DOMAIN}"], [f"cc+{canary_id}@{DOMAIN}"])


def awaiting_canary(
    store: CanaryStore, canary_id: str, *, smtp_paths: int = 1, api: bool = True
) -> tuple[CanaryRecord, dict[str, CanaryMessage]]:
    """A pending canary with `smtp_paths` SMTP paths awaiting arrival (their sends recorded with fingerprints) and an
    API path that awaits SES's events; created in the store."""
    first = canary_message(canary_id)
    deadline = T0 + timedelta(minutes=15)
    messages: dict[str, CanaryMessage] = {}
    paths = []
    if api:
        messages["api"] = first
        api_path = new_path(
            canary_id, "api", PathKind.API, "ses-api:us-east-1", deadline=deadline, envelope=first.envelope_recipients
        )
        sent = api_path.sent_as(f"{canary_id}-ses", T0, sent_fingerprint(first))
        paths.append(api_path.with_sent(sent))
    for index in range(smtp_paths):
        name = f"smtp:relay{index}"
        message = restamp(first)
        messages[name] = message
        path = new_path(
            canary_id, name, PathKind.SMTP, f"relay{index}", deadline=deadline, envelope=message.envelope_recipients
        )
        sent = path.sent_as("", T0, sent_fingerprint(message), awaits_arrival=True)
        paths.append(path.with_sent(sent))
    canary = new_canary(canary_id, paths, created_at=T0)
    store.create(canary)
    return canary, messages


def copy_of(
    message: CanaryMessage,
    *,
    at: datetime = T0 + timedelta(seconds=42),
    raw: bytes | None = None,
    recipients: tuple[str, ...] | None = None,
    location: str = "",
    **verdicts: AuthVerdict,
) -> ArrivedMessage:
    """The copy SES inbound would hand over: a Received line on top of the bytes sent (or `raw`)."""
    body = raw if raw is not None else b"Received: from relay by inbound-smtp\r\n" + message.raw
    return ArrivedMessage(
        raw=body,
        receiver=ReceiverKind.SES_INBOUND,
        received_at=at,
        envelope_recipients=recipients if recipients is not None else message.envelope_recipients,
        receiver_verdicts=PASSING | verdicts,
        location=location or f"s3://inbound/{message.message_id.strip('<>')}",
    )


def later(copy: ArrivedMessage, seconds: int) -> ArrivedMessage:
    return replace(copy, received_at=copy.received_at + timedelta(seconds=seconds))
