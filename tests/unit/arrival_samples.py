"""Sample canaries for the arrival tests: a message as a path sent it, its expectation, signed copies as they arrive.

The DKIM key is made once per test run (1024-bit RSA, the smallest dkimpy accepts) and never stored.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailcanary.arrival.expected import expected_arrival
from mailcanary.arrival.model import ArrivedMessage, AuthVerdict, ExpectedArrival, Placement, ReceiverKind
from mailcanary.message import CanaryMessage, build_canary

SENT_AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
DOMAIN = "canary.example"
SELECTOR = "mc1"
TO = ("alice+c1@inbound.example", "Bob <bob@inbound.example>")
CC = ("carol@inbound.example",)
BCC = ("dave@inbound.example",)
PASSING = {"spf": AuthVerdict.PASS, "dkim": AuthVerdict.PASS, "dmarc": AuthVerdict.PASS}
SIGNED_HEADERS = [b"from", b"to", b"cc", b"subject", b"message-id", b"date", b"x-mailcanary-id"]


@lru_cache(maxsize=1)
def key_pair() -> tuple[bytes, bytes]:
    """(private key PEM, DKIM TXT record) made at first use."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def key_dns(name: bytes, timeout: float = 5) -> bytes | None:
    """An in-process dnsfunc publishing the sample key at mc1._domainkey.canary.example only."""
    return key_pair()[1] if name.rstrip(b".") == f"{SELECTOR}._domainkey.{DOMAIN}".encode() else None


def canary(canary_id: str = "c1", *, to: tuple[str, ...] = TO, cc: tuple[str, ...] = CC) -> CanaryMessage:
    return build_canary(canary_id, f"canary@{DOMAIN}", to, cc, BCC, date=SENT_AT)


def sign(raw: bytes) -> bytes:
    """The message with a DKIM-Signature of the sample key on top (relaxed/relaxed, as SES signs)."""
    signature = dkim.sign(
        raw,
        SELECTOR.encode(),
        DOMAIN.encode(),
        key_pair()[0],
        include_headers=SIGNED_HEADERS,
        canonicalize=(b"relaxed", b"relaxed"),
    )
    return signature + raw


def expectation(sent: CanaryMessage, path: str = "smtp:relay") -> ExpectedArrival:
    return expected_arrival(
        sent.raw,
        path_name=path,
        target="relay",
        sent_at=SENT_AT,
        envelope=sent.envelope_recipients,
        deadline=SENT_AT + timedelta(minutes=10),
    )


def copy(
    raw: bytes,
    recipients: tuple[str, ...],
    *,
    after: timedelta = timedelta(seconds=30),
    receiver: ReceiverKind = ReceiverKind.SES_INBOUND,
    placement: Placement = Placement.INBOX,
    location: str = "s3://bucket/c1",
) -> ArrivedMessage:
    return ArrivedMessage(
        raw=raw,
        receiver=receiver,
        received_at=SENT_AT + after,
        placement=placement,
        envelope_recipients=recipients,
        receiver_verdicts=dict(PASSING),
        location=location,
    )


def with_verdicts(arrived: ArrivedMessage, **verdicts: AuthVerdict) -> ArrivedMessage:
    return replace(arrived, receiver_verdicts={**arrived.receiver_verdicts, **verdicts})
