"""Redaction cost: the one boundary function on every log record, and the session's scrub on every reply.

`redact` runs on every structured log record before Powertools serialises it, so it is measured against that
serialisation (`json.dumps` of the same records): the ratio says what masking adds to writing a log line. The
session scrubs every reply it reads with the credentials' forms; that is measured against splitting the same
reply lines, the least a line-by-line check must do. Targets: masking at most 6x the serialisation it guards,
scrubbing at most 8x splitting (measured about 3x and 3.5x on a shared 2-core machine).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from mailcanary.core.redaction import SecretForms, redact, register
from scripts.benchmarks._common import Row, interleaved_medians

_USERNAME, _PASSWORD = "AKIABENCHMARKUSER123", "BEnchMarkSmtpPassw0rd/+derivedFromSecretKey44"


def _records(count: int) -> list[dict[str, Any]]:
    """Log records as the round writes them: a message, the canary's keys, now and then a failed reply."""
    refusal = "535 5.7.8 Authentication Credentials Invalid"
    return [
        {
            "level": "INFO",
            "location": "one:91",
            "message": "path sent" if index % 4 else "path not sent",
            "timestamp": "2026-03-02 09:00:00,123+0000",
            "service": "mailcanary",
            "canary_id": f"06h42nlnbhaa{index:04d}",
            "path": f"smtp:target-{index % 7}",
            "ses_message_id": f"0100018e-{index:08x}-5b7b-4e4b-9a0e-0123456789ab-000000",
            "passed": bool(index % 4),
            "failed_checks": [] if index % 4 else ["smtp.transport"],
            "error": None if index % 4 else f"auth: AUTH refused: {refusal}",
            "function_request_id": "52fdfc07-2182-154f-163f-5f0f9a621d72",
        }
        for index in range(count)
    ]


def _replies(count: int) -> list[list[str]]:
    blob = base64.b64encode(f"\0{_USERNAME}\0{_PASSWORD}".encode()).decode()
    ordinary = ["250-email-smtp.amazonaws.com", "250-8BITMIME", "250-STARTTLS", "250-AUTH PLAIN LOGIN", "250 Ok"]
    return [ordinary if index % 10 else [f"535-5.7.8 {blob[:30]}", f"535 5.7.8 {blob[30:]}"] for index in range(count)]


def run(quick: bool) -> list[Row]:
    count, repeats = (200, 3) if quick else (5_000, 15)
    forms = SecretForms.of(_USERNAME, (_PASSWORD,))
    register(forms)  # as load_smtp_credentials does: the logger masks them in every record
    records, replies = _records(count), _replies(count)
    masked, serialised = interleaved_medians(
        lambda: [redact(record) for record in records], lambda: [json.dumps(record) for record in records], repeats
    )
    scrubbed, split = interleaved_medians(
        lambda: [forms.scrub_lines(reply) for reply in replies],
        lambda: [[line.split() for line in reply] for reply in replies],
        repeats,
    )
    return [
        Row(
            "redaction.redact (log record, forms registered)",
            "json.dumps of the same record",
            masked,
            serialised,
            target=6.0,
            note=f"{count} records; {count / masked:,.0f} records/s",
        ),
        Row(
            "redaction.SecretForms.scrub_lines (one reply)",
            "split every line of the same reply",
            scrubbed,
            split,
            target=8.0,
            note=f"{count} replies, one in ten echoing the AUTH PLAIN blob over two lines",
        ),
    ]
