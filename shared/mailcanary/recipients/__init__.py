"""Recipients: parse them from raw MIME, normalise them, and compare intended, header, envelope and delivered.

header = parse_header_recipients(raw)
findings = compare(intended=RecipientPlan.of(to=[...]), header=header, envelope=destinations)
"""

from __future__ import annotations

from mailcanary.recipients.compare import compare, normalise_envelope
from mailcanary.recipients.errors import (
    GuardRejectedError,
    RecipientAddressError,
    RecipientError,
    RecipientInjectionError,
)
from mailcanary.recipients.model import (
    SES_RECIPIENT_LIMIT,
    AddressDefect,
    Finding,
    FindingKind,
    HeaderRecipients,
    ParsedAddress,
    RecipientPlan,
)
from mailcanary.recipients.normalise import has_injection, normalise, normalise_domain, to_address
from mailcanary.recipients.parse import parse_address_header, parse_header_recipients

__all__ = [
    "SES_RECIPIENT_LIMIT",
    "AddressDefect",
    "Finding",
    "FindingKind",
    "GuardRejectedError",
    "HeaderRecipients",
    "ParsedAddress",
    "RecipientAddressError",
    "RecipientError",
    "RecipientInjectionError",
    "RecipientPlan",
    "compare",
    "has_injection",
    "normalise",
    "normalise_domain",
    "normalise_envelope",
    "parse_address_header",
    "parse_header_recipients",
    "to_address",
]
