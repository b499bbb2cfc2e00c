"""The lab's arrival leg: a relay passes each canary on, DKIM-signed, to an emulated SES inbound, which stores it in
S3 on moto and sends the documented "Received" notification to the real arrival handler.

- `LabDkim`: an RSA key made when the lab starts, the relay's signing domain and selector, and the TXT record a
  name server would publish for it (the emulated SES inbound verifies against it: its `dkimVerdict`).
- `pass_on`: what the relay hands on for one accepted message, after the arrival faults it was asked for.
- `feed_arrivals`: store each copy under `inbound/` in the lab bucket and invoke the handler with the SNS event
  whose `Message` has the shape of the SES Developer Guide's "Received" notification of an S3 action.

The emulated receipt's SPF verdict is always PASS (no DNS here) and DMARC follows it; spam and virus PASS. SES
inbound has no folders, so `spam-foldered` belongs to the IMAP receiver's lab, not this one.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from mailcanary.lab.invoke import Handler, Invocation, invoke
from mailcanary.lab.smtp_endpoint import DeliveredMessage

__all__ = ["ArrivalFault", "FedArrivals", "LabDkim", "Passed", "feed_arrivals", "pass_on"]

LATE_BY = timedelta(hours=1)  # `arrives-late`: SES inbound stamps the receipt this long after the relay took it
_SUBJECT = re.compile(rb"^Subject:", re.IGNORECASE | re.MULTILINE)
_DATE = re.compile(rb"^Date:[^\r\n]*(\r\n[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE)
_HEADERS_END = b"\r\n\r\n"


class ArrivalFault(StrEnum):
    """One misbehaviour between the relay and where the canary lands."""

    RELAY_DROPS_CC = "relay-drops-cc"  # the relay passes the message on without the Cc recipient
    HEADERS_REWRITTEN = "headers-rewritten"  # the relay tags the Subject ("[EXTERNAL] ...")
    DKIM_BROKEN_IN_TRANSIT = "dkim-broken-in-transit"  # a signed header (Date) altered after signing
    ARRIVES_LATE = "arrives-late"  # received after the path's deadline
    NEVER_ARRIVES = "never-arrives"  # the relay accepts it and never passes it on
    BCC_HEADER_LEAKED = "bcc-header-leaked"  # the relay writes the Bcc recipients into a Bcc header
    BOUNCE_TO_RETURN_PATH = "bounce-to-return-path"  # the relay refuses it later: a DSN to the MAIL FROM


@dataclass(frozen=True)
class LabDkim:
    """The relay's DKIM key, made at lab start, and the DNS answer that publishes it."""

    domain: str
    selector: str
    private_pem: bytes
    txt_record: bytes

    @classmethod
    def generate(cls, domain: str = "mailcanary.test", selector: str = "lab") -> LabDkim:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(domain, selector, private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public))

    def sign(self, raw: bytes) -> bytes:
        """`raw` with a DKIM-Signature on top (relaxed/relaxed, dkimpy's default header set)."""
        import dkim

        signature: bytes = dkim.sign(
            raw, self.selector.encode(), self.domain.encode(), self.private_pem, canonicalize=(b"relaxed", b"relaxed")
        )
        return signature + raw

    def dns(self, name: bytes | str, timeout: float = 5) -> bytes:
        """The TXT answer for `name` (dkimpy's dnsfunc): our key for our selector, nothing else."""
        wanted = f"{self.selector}._domainkey.{self.domain}."
        asked = name.decode() if isinstance(name, bytes) else name
        return self.txt_record if asked.rstrip(".") + "." == wanted else b""

    def verdict(self, raw: bytes) -> str:
        """SES's `dkimVerdict.status` for `raw`, as the emulated inbound reports it."""
        import dkim

        try:
            return "PASS" if dkim.verify(raw, dnsfunc=self.dns) else "FAIL"
        except dkim.DKIMException:
            return "FAIL"


@dataclass(frozen=True)
class Passed:
    """What the relay handed on for one message: the bytes, the recipients, when SES inbound received it."""

    raw: bytes
    recipients: tuple[str, ...]
    received_at: datetime
    mail_from: str


def pass_on(
    message: DeliveredMessage,
    dkim: LabDkim,
    *,
    cc: Collection[str],
    bcc: Sequence[str],
    faults: Collection[ArrivalFault],
    now: datetime,
) -> Passed | None:
    """The relay's hand-over of one accepted message (None: it never passes it on)."""
    if ArrivalFault.NEVER_ARRIVES in faults:
        return None
    handed_over = message.accepted_at or now  # the relay passes it on as soon as it accepted it
    if ArrivalFault.BOUNCE_TO_RETURN_PATH in faults:  # returned to the sender, where the receiver reads too
        return Passed(returned(message), (message.mail_from,), handed_over, "")
    recipients = message.rcpt_tos
    if ArrivalFault.RELAY_DROPS_CC in faults:
        dropped = {address.lower() for address in cc}
        recipients = tuple(each for each in recipients if each.lower() not in dropped)
    head, _, body = message.content.partition(_HEADERS_END)
    if ArrivalFault.HEADERS_REWRITTEN in faults:
        head = _SUBJECT.sub(b"Subject: [EXTERNAL]", head, count=1)
    if ArrivalFault.BCC_HEADER_LEAKED in faults and bcc:
        head = b"Bcc: " + ", ".join(bcc).encode() + b"\r\n" + head
    raw = dkim.sign(head + _HEADERS_END + body)
    if ArrivalFault.DKIM_BROKEN_IN_TRANSIT in faults:  # a hop after the signer rewrites a signed header
        raw = _DATE.sub(b"Date: Thu, 01 Jan 2026 00:00:00 +0000", raw, count=1)
    received_at = handed_over + LATE_BY if ArrivalFault.ARRIVES_LATE in faults else handed_over
    return Passed(raw, recipients, received_at, message.mail_from)


def returned(message: DeliveredMessage) -> bytes:
    """The relay's RFC 3464 bounce of `message` to its MAIL FROM: every recipient failed 5.1.1, the original's
    header section returned as text/rfc822-headers (what matches the bounce to its canary and path)."""
    head = message.content.partition(_HEADERS_END)[0]
    boundary = uuid.uuid4().hex
    recipients = "".join(
        f"\r\nFinal-Recipient: rfc822; {each}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{each}>: Recipient address rejected: User unknown\r\n"
        for each in message.rcpt_tos
    )
    lines = [
        "From: MAILER-DAEMON@relay.mailcanary.test",
        f"To: {message.mail_from}",
        "Subject: Undelivered Mail Returned to Sender",
        f"Message-ID: <{boundary}@relay.mailcanary.test>",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "This is the mail system at host relay.mailcanary.test. Your message could not be delivered.",
        f"--{boundary}",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; relay.mailcanary.test\r\n" + recipients.rstrip("\r\n"),
        f"--{boundary}",
        "Content-Type: text/rfc822-headers",
        "",
    ]
    return "\r\n".join(lines).encode() + b"\r\n" + head + f"\r\n--{boundary}--\r\n".encode()


@dataclass(frozen=True)
class FedArrivals:
    """What was delivered to the arrival handler for one round."""

    notifications: tuple[dict[str, Any], ...]
    invocations: tuple[Invocation, ...]


def feed_arrivals(
    handler: Handler,
    s3: Any,
    dkim: LabDkim,
    passed: Sequence[Passed],
    *,
    bucket: str,
    topic_arn: str,
) -> FedArrivals:
    """Store each copy as SES's S3 action would and invoke the arrival handler once per notification."""
    notifications = []
    invocations = []
    for copy in passed:
        ses_id = uuid.uuid4().hex
        key = f"inbound/{ses_id}"
        s3.put_object(Bucket=bucket, Key=key, Body=copy.raw)
        notification = _received(copy, dkim.verdict(copy.raw), ses_id=ses_id, bucket=bucket, key=key, topic=topic_arn)
        notifications.append(notification)
        event = {"Records": [_sns_record(notification, topic_arn)]}
        invocations.append(invoke("arrival", handler, event))
    return FedArrivals(tuple(notifications), tuple(invocations))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _received(copy: Passed, dkim_status: str, *, ses_id: str, bucket: str, key: str, topic: str) -> dict[str, Any]:
    """A "Received" notification of an S3 action, shaped like the SES guide's example."""
    stamp = _stamp(copy.received_at)
    passing = {"status": "PASS"}
    return {
        "notificationType": "Received",
        "receipt": {
            "timestamp": stamp,
            "processingTimeMillis": 120,
            "recipients": list(copy.recipients),
            "spamVerdict": passing,
            "virusVerdict": passing,
            "spfVerdict": passing,
            "dkimVerdict": {"status": dkim_status},
            "dmarcVerdict": passing,  # aligned SPF passes: DMARC passes whatever DKIM says
            "action": {"type": "S3", "topicArn": topic, "bucketName": bucket, "objectKey": key},
        },
        "mail": {
            "timestamp": stamp,
            "source": copy.mail_from,
            "messageId": ses_id,
            "destination": list(copy.recipients),
            "headersTruncated": False,
            "headers": [],
            "commonHeaders": {},
        },
    }


def _sns_record(notification: dict[str, Any], topic_arn: str) -> dict[str, Any]:
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic_arn}:lab",
        "Sns": {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": topic_arn,
            "Subject": "Amazon SES Email Receipt Notification",
            "Message": json.dumps(notification),
            "Timestamp": _stamp(datetime.now(UTC)),
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-lab.pem",
            "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
            "MessageAttributes": {},
        },
    }
