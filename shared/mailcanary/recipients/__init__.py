"""Recipients: parse them from raw MIME, normalise them, and compare intended, header, envelope and delivered.

header = parse_header_recipients(raw)
findings = compare(intended=RecipientPlan.of(to=[...]), header=header, envelope=destinations)
"""

from __future__ import annotations

from mailcanary.recipients.compare import compare, normalise_envelope
from mailcanary.recipients.errors import (
    GuardRejectedError,
    GuardTooLargeError,
    RecipientAddressError,
    RecipientError,
    RecipientInjectionError,
    RecipientsTooLargeError,
)
from mailcanary.recipients.limits import (
    MAX_ADDRESS_HEADER_CHARS,
    MAX_ADDRESSES,
    MAX_ENCODED_WORDS,
    MAX_HEADER_BLOCK_BYTES,
    MAX_PARSER_CHARS,
    Oversize,
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
    "MAX_ADDRESSES",
    "MAX_ADDRESS_HEADER_CHARS",
    "MAX_ENCODED_WORDS",
    "MAX_HEADER_BLOCK_BYTES",
    "MAX_PARSER_CHARS",
    "SES_RECIPIENT_LIMIT",
    "AddressDefect",
    "Finding",
    "FindingKind",
    "GuardRejectedError",
    "GuardTooLargeError",
    "HeaderRecipients",
    "Oversize",
    "ParsedAddress",
    "RecipientAddressError",
    "RecipientError",
    "RecipientInjectionError",
    "RecipientPlan",
    "RecipientsTooLargeError",
    "compare",
    "has_injection",
    "normalise",
    "normalise_domain",
    "normalise_envelope",
    "parse_address_header",
    "parse_header_recipients",
    "to_address",
]
