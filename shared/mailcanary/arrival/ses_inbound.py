"""The SES inbound receiver: SES's "Received" notification and the raw message its S3 action stored.

A receipt rule on the receiving domain stores each message in S3 and notifies SNS; the notification
(`notificationType: "Received"`) carries SES's receipt verdicts (SPF, DKIM, DMARC, spam, virus), the envelope
recipients SES accepted (`receipt.recipients`) and where the S3 action put the raw message. The notification is
validated with pydantic here, at the boundary, and becomes a plain `ReceivedNotification`; the raw message is
read from S3 with a size bound (`read_stored_message`); both together make one `ArrivedMessage`.

The shapes follow the SES Developer Guide's examples ("Notification of an SNS action", "Alert notification").
An SNS action without S3 carries the message inline in `content` (UTF-8, or base64 when the action says
`encoding: BASE64`); SES sends no `content` larger than 150 KB that way, so a rule for canaries uses S3.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mailcanary.arrival.errors import ArrivalError, ArrivalTooLargeError, ArrivedMessageError, ReceivedNotificationError
from mailcanary.arrival.model import MAX_ARRIVED_BYTES, ArrivedMessage, AuthVerdict, Placement, ReceiverKind
from mailcanary.core.aws_errors import aws_error_code

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

__all__ = [
    "MAX_NOTIFICATION_RECIPIENTS",
    "ReceivedNotification",
    "UnreadableNotification",
    "arrived_copy",
    "parse_received",
    "parse_received_sns_event",
    "read_stored_message",
]

# SES accepts at most 100 recipients per inbound message (RCPT TO); more in a notification is not SES's.
MAX_NOTIFICATION_RECIPIENTS = 100
_MAX_NOTIFICATION_CHARS = 4 * MAX_ARRIVED_BYTES  # JSON around an inline (base64) message, at most
# SES's verdict names, lower-cased, are `AuthVerdict` values; the DMARC verdict is absent on older receipts.
_VERDICTS = {"spf": "spfVerdict", "dkim": "dkimVerdict", "dmarc": "dmarcVerdict", "spam": "spamVerdict"}
_VERDICTS["virus"] = "virusVerdict"
_CONTENT_RANGE_TOTAL = re.compile(r"/(\d+)\s*$")


class _Status(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    status: Literal["PASS", "FAIL", "GRAY", "PROCESSING_FAILED"]


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    type: str = Field(min_length=1)
    bucketName: str | None = Field(default=None, min_length=1)
    objectKey: str | None = Field(default=None, min_length=1)
    encoding: Literal["UTF8", "BASE64"] = "UTF8"


class _Receipt(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    timestamp: datetime
    recipients: tuple[str, ...] = Field(min_length=1, max_length=MAX_NOTIFICATION_RECIPIENTS)
    spfVerdict: _Status | None = None
    dkimVerdict: _Status | None = None
    dmarcVerdict: _Status | None = None
    spamVerdict: _Status | None = None
    virusVerdict: _Status | None = None
    action: _Action


class _Mail(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    messageId: str = Field(min_length=1, max_length=256)


class _Received(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    notificationType: Literal["Received"]
    receipt: _Receipt
    mail: _Mail
    content: str | None = None


@dataclass(frozen=True, slots=True)
class ReceivedNotification:
    """One "Received" notification reduced to what proof of arrival needs.

    `ses_message_id` is SES's id of the *inbound* message (also the S3 object's name), unique per receipt, so
    it identifies the arrival across SNS redeliveries. Exactly one of (`bucket`, `key`) and `content` is set.
    """

    ses_message_id: str
    received_at: datetime
    recipients: tuple[str, ...]
    verdicts: dict[str, AuthVerdict] = field(default_factory=dict)
    bucket: str | None = None
    key: str | None = None
    content: bytes | None = None

    @property
    def location(self) -> str:
        """Where the copy is kept, for evidence: the S3 URI, or the SNS notification itself."""
        return f"s3://{self.bucket}/{self.key}" if self.bucket else f"sns:{self.ses_message_id}"


@dataclass(frozen=True, slots=True)
class UnreadableNotification:
    """One SNS record that is not a readable "Received" notification: reported, never retried."""

    reason: str
    sns_message_id: str | None = None


def parse_received(payload: str | bytes | Mapping[str, Any]) -> ReceivedNotification:
    """One "Received" notification (JSON text or the decoded object); `ReceivedNotificationError` otherwise."""
    if isinstance(payload, str | bytes) and len(payload) > _MAX_NOTIFICATION_CHARS:
        raise ReceivedNotificationError(f"notification of {len(payload)} characters is larger than any receipt")
    try:
        document = payload if isinstance(payload, Mapping) else json.loads(payload)
        received = _Received.model_validate(document)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, ValidationError
        raise ReceivedNotificationError(f"not an SES Received notification: {_reason(exc)}") from exc
    receipt = received.receipt
    verdicts = {
        name: AuthVerdict(status.status.lower())
        for name, attribute in _VERDICTS.items()
        if (status := getattr(receipt, attribute)) is not None
    }
    stamp = receipt.timestamp if receipt.timestamp.tzinfo else receipt.timestamp.replace(tzinfo=UTC)
    action = receipt.action
    ses_id, recipients = received.mail.messageId, receipt.recipients
    if action.bucketName and action.objectKey:
        return ReceivedNotification(ses_id, stamp, recipients, verdicts, bucket=action.bucketName, key=action.objectKey)
    if received.content is not None:
        return ReceivedNotification(
            ses_id, stamp, recipients, verdicts, content=_inline(received.content, action.encoding)
        )
    raise ReceivedNotificationError(
        f"receipt action {action.type!r} names no S3 object and the notification carries no content"
    )


def parse_received_sns_event(event: Mapping[str, Any]) -> tuple[ReceivedNotification | UnreadableNotification, ...]:
    """Every record of a Lambda SNS event, in order; a record that cannot be read becomes `UnreadableNotification`.

    Raises `ReceivedNotificationError` only when the event itself is no SNS event (no `Records` list).
    """
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise ReceivedNotificationError("not a Lambda SNS event: no Records list")
    parsed: list[ReceivedNotification | UnreadableNotification] = []
    for record in records:
        sns = record.get("Sns") if isinstance(record, Mapping) else None
        if not isinstance(sns, Mapping):
            parsed.append(UnreadableNotification("not an SNS record: no Sns object"))
            continue
        sns_id = sns.get("MessageId") if isinstance(sns.get("MessageId"), str) else None
        message = sns.get("Message")
        if not isinstance(message, str | Mapping):  # moto (not SNS) delivers the Message as an object
            parsed.append(UnreadableNotification("SNS record has no Message", sns_id))
            continue
        try:
            parsed.append(parse_received(message))
        except ArrivalError as exc:  # unreadable, or an inline copy too large: retrying cannot change it
            parsed.append(UnreadableNotification(str(exc), sns_id))
    return tuple(parsed)


def read_stored_message(client: S3Client, bucket: str, key: str, *, limit: int = MAX_ARRIVED_BYTES) -> bytes:
    """The raw message the S3 action stored, at most `limit` bytes; larger is refused before it is read.

    One ranged GET of the first `limit + 1` bytes: its `Content-Range` tells the object's full size, checked
    before the body is read; a body longer than the limit (an object replaced meanwhile) is refused too.
    """
    try:
        response = client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{limit}")
    except ClientError as exc:
        code = aws_error_code(exc)
        if code == "InvalidRange":  # a range of an empty object
            raise ArrivedMessageError(f"s3://{bucket}/{key} is empty") from exc
        raise ArrivedMessageError(f"s3://{bucket}/{key} could not be read: {code}") from exc
    except BotoCoreError as exc:
        raise ArrivedMessageError(f"s3://{bucket}/{key} could not be read: {exc}") from exc
    body = response["Body"]
    try:
        size = _object_size(response)
        if size > limit:
            raise ArrivalTooLargeError(f"s3://{bucket}/{key} holds {size} bytes, more than the {limit} allowed")
        raw = body.read(limit + 1)
    except (BotoCoreError, OSError) as exc:
        raise ArrivedMessageError(f"s3://{bucket}/{key} could not be read: {exc}") from exc
    finally:
        body.close()
    if len(raw) > limit:
        raise ArrivalTooLargeError(f"s3://{bucket}/{key} holds more than the {limit} bytes allowed")
    if not raw:
        raise ArrivedMessageError(f"s3://{bucket}/{key} is empty")
    return bytes(raw)


def arrived_copy(notification: ReceivedNotification, raw: bytes) -> ArrivedMessage:
    """The arrived copy as the checks read it: SES inbound has no folders, so its placement is the inbox."""
    if len(raw) > MAX_ARRIVED_BYTES:
        raise ArrivalTooLargeError(f"{notification.location} holds more than the {MAX_ARRIVED_BYTES} bytes allowed")
    return ArrivedMessage(
        raw=raw,
        receiver=ReceiverKind.SES_INBOUND,
        received_at=notification.received_at,
        placement=Placement.INBOX,
        envelope_recipients=notification.recipients,
        receiver_verdicts=dict(notification.verdicts),
        location=notification.location,
    )


def _object_size(response: Mapping[str, Any]) -> int:
    """The whole object's size: from `Content-Range` (`bytes 0-N/TOTAL`) of a ranged GET, else its length."""
    match = _CONTENT_RANGE_TOTAL.search(str(response.get("ContentRange") or ""))
    return int(match.group(1)) if match else int(response.get("ContentLength") or 0)


def _inline(content: str, encoding: str) -> bytes:
    """The message an SNS action carried inline, as bytes."""
    if encoding == "BASE64":
        try:
            raw = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ReceivedNotificationError(f"content is not base64: {exc}") from exc
    else:
        raw = content.encode("utf-8", "surrogateescape")
    if len(raw) > MAX_ARRIVED_BYTES:
        raise ArrivalTooLargeError(f"inline content of {len(raw)} bytes, more than the {MAX_ARRIVED_BYTES} allowed")
    if not raw:
        raise ReceivedNotificationError("the notification's content is empty")
    return raw


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "notification"
        return f"{where}: {first['msg']} ({exc.error_count()} error(s))"
    return str(exc)
