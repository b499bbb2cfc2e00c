"""RFC 3464 delivery status notifications: the `message/delivery-status` part, read per recipient.

The feed parser already splits a `message/delivery-status` body into header blocks (the per-message
fields first, then one block per recipient); `message/global-delivery-status` (RFC 6533) arrives as text and
is split the same way here.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.message import Message
from email.utils import parsedate_to_datetime

from mailcanary.bounce.addresses import MAX_ADDRESS_FIELD_CHARS, clean_address, is_qualified
from mailcanary.bounce.message_view import MessageView, header
from mailcanary.bounce.mime_split import SplitPart, read_headers
from mailcanary.bounce.model import Finding

__all__ = ["DeliveryStatus", "read_delivery_status", "read_status_text"]

_STATUS = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")
_DSN_TYPES = ("message/delivery-status", "message/global-delivery-status")
_ACTION_BY_CLASS = {"5": "failed", "4": "delayed", "2": "delivered"}
_ACTIONS = frozenset({"failed", "delayed", "delivered", "relayed", "expanded"})  # RFC 3464


class DeliveryStatus:
    """The per-message fields and the recipients of one DSN."""

    def __init__(self, reporting_mta: str | None, recipients: tuple[Finding, ...]) -> None:
        self.reporting_mta = reporting_mta
        self.recipients = recipients


def read_delivery_status(view: MessageView) -> DeliveryStatus | None:
    """The DSN's machine-readable part, or None when the message has none (or it names no recipient)."""
    for content_type, part in view.parts:
        if content_type in _DSN_TYPES:
            blocks = _blocks(part)
            recipients = tuple(finding for block in blocks[1:] if (finding := _recipient(block)) is not None) or tuple(
                finding for block in blocks[:1] if (finding := _recipient(block)) is not None
            )
            if recipients:
                reporting = _typed_value(header(blocks[0], "Reporting-MTA")) if blocks else None
                return DeliveryStatus(reporting, recipients)
    return None


def read_status_text(text: str) -> tuple[Finding, ...]:
    """Recipients of delivery-status fields pasted into a notice's text (a DSN forwarded or base64-wrapped)."""
    at = text.lower().find("final-recipient:")
    if at == -1:
        return ()
    start = text.rfind("\n\n", 0, at)
    chunks = re.split(r"\r?\n\s*\r?\n", text[start + 1 if start != -1 else 0 :])
    blocks = [read_headers(chunk.strip() + "\n") for chunk in chunks[:100] if ":" in chunk]
    return tuple(finding for block in blocks if (finding := _recipient(block)) is not None)


def _blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    text = payload if isinstance(payload, str) else ""
    return [read_headers(chunk.strip() + "\n") for chunk in re.split(r"\r?\n\s*\r?\n", text) if chunk.strip()]


def _recipient(block: Message) -> Finding | None:
    fields = _fields(block)
    final, original = _address(fields.get("final-recipient", "")), _address(fields.get("original-recipient", ""))
    if final is not None and original is not None and not is_qualified(final) and is_qualified(original):
        final = None  # `user@mailhost-daemon`: an internal name the sender never used
    address = final or original
    if not address:
        return None
    status_match = _STATUS.search(fields.get("status", ""))
    status = status_match.group(0) if status_match else None
    action = fields.get("action", "").lower().split(" ", 1)[0]
    if action not in _ACTIONS:  # missing, or a non-standard word ("failure", "error", "expired"): the class says
        action = _ACTION_BY_CLASS.get((status or "5")[0], "failed")
    return Finding(
        address=address,
        action=action,
        status=status,
        diagnostic_code=_unfold(fields.get("diagnostic-code", "")) or None,
        original_recipient=original,
        remote_mta=_typed_value(fields.get("remote-mta", "")),
        last_attempt_date=_date(fields.get("last-attempt-date", "")),
    )


def _fields(block: Message) -> dict[str, str]:
    """The block's fields by lower-case name, first occurrence winning as with `header()`: one pass over the
    block instead of one scan of every field per name asked for."""
    if isinstance(
        block, SplitPart
    ):  # (its map already holds the first raw values; 8-bit ones read as `get` reads them)
        return {
            name: value.strip() if value.isascii() else header(block, name)
            for name, value in block.first_values.items()
        }
    fields: dict[str, str] = {}
    for name, value in block.items():
        fields.setdefault(name.lower(), str(value).strip())
    return fields


def _typed_value(value: str) -> str | None:
    """`dns; mx.example.com` → `mx.example.com` (RFC 3464 typed fields)."""
    value = _unfold(value.split(";", 1)[-1])
    return value or None


def _address(value: str) -> str | None:
    """`rfc822; user@example.net` → the address; None for what is no address (X.400, pipes, `user@host`)."""
    return clean_address(_typed_value(value[:MAX_ADDRESS_FIELD_CHARS]))


def _unfold(value: str) -> str:
    return " ".join(value.split())


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
