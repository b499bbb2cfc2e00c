"""The values the recipients package works with: parsed header addresses, intents and findings.

Every finding kind has a stable name (it is a metric dimension and a CLI column) and belongs to one check:
`recipients.header_vs_envelope`, or `recipients.delivered` for the comparison with what SES delivered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from mailcanary.core.checks import Check
from mailcanary.recipients.limits import Oversize
from mailcanary.recipients.normalise import normalise

__all__ = [
    "SES_RECIPIENT_LIMIT",
    "AddressDefect",
    "Finding",
    "FindingKind",
    "HeaderRecipients",
    "ParsedAddress",
    "RecipientPlan",
]

# SES refuses a message with more than 50 recipients (To, Cc and Bcc together, i.e. the envelope).
SES_RECIPIENT_LIMIT = 50

VISIBLE_FIELDS = ("To", "Cc")
BLIND_FIELDS = ("Bcc",)
RESENT_FIELDS = ("Resent-To", "Resent-Cc", "Resent-Bcc")
ADDRESS_FIELDS = (*VISIBLE_FIELDS, *BLIND_FIELDS, *RESENT_FIELDS)


class FindingKind(StrEnum):
    """What can be wrong with a message's recipients, by stable name."""

    HEADER_ONLY = "header_only"  # in the MIME headers but not the envelope: never delivered
    ENVELOPE_ONLY = "envelope_only"  # on the envelope but in no header: a blind copy (fine only if intended Bcc)
    BCC_HEADER_LEAKED = "bcc_header_leaked"  # a blind recipient visible in the MIME
    DUPLICATE = "duplicate"  # the same normalised address twice in one set
    DEFECTIVE_ADDRESS = "defective_address"  # the parser reported a defect, or the address is unusable
    INJECTION_ATTEMPT = "injection_attempt"  # CR, LF or NUL inside an address or header value
    TOO_MANY_RECIPIENTS = "too_many_recipients"  # over SES's 50-recipient limit
    TOO_LARGE = "too_large"  # headers or envelope over a parsing limit: not checked (see recipients.limits)
    INTENDED_MISSING = "intended_missing"  # the caller meant it, but it is in neither header nor envelope
    UNINTENDED_RECIPIENT = "unintended_recipient"  # in header or envelope, but nobody meant it
    DELIVERED_MISSING = "delivered_missing"  # on the envelope, absent from SES's mail.destination
    DELIVERED_UNEXPECTED = "delivered_unexpected"  # in SES's mail.destination, never on the envelope

    @property
    def check(self) -> Check:
        if self in (FindingKind.DELIVERED_MISSING, FindingKind.DELIVERED_UNEXPECTED):
            return Check.RECIPIENTS_DELIVERED
        return Check.RECIPIENTS_HEADER_VS_ENVELOPE


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One recipient inconsistency: its kind, the (normalised) address, where it was seen, and why it matters."""

    kind: FindingKind
    address: str
    where: str
    detail: str = ""

    @property
    def check(self) -> Check:
        return self.kind.check

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "check": self.check.value,
            "address": self.address,
            "where": self.where,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """One mailbox from an address header, as parsed, with its comparison form (None when unusable)."""

    field: str  # canonical header name, e.g. "To" or "Resent-Cc"
    display_name: str
    addr_spec: str  # as the parser rendered it (local part re-quoted where needed)
    normalised: str | None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class AddressDefect:
    """A defect the header parser reported (or an address we could not normalise), never silently dropped."""

    field: str
    defect: str  # the defect class name, e.g. InvalidHeaderDefect
    message: str
    value: str  # the header value (or address) it was found in, truncated
    injection: bool = False


@dataclass(frozen=True, slots=True)
class HeaderRecipients:
    """The recipients a message's MIME headers name, field by field, with every defect found on the way."""

    addresses: tuple[ParsedAddress, ...] = ()
    defects: tuple[AddressDefect, ...] = ()
    fields_present: frozenset[str] = field(default_factory=frozenset)
    oversize: Oversize | None = None  # set when the headers were too large to parse: nothing else is known

    def in_fields(self, *fields: str) -> tuple[ParsedAddress, ...]:
        return tuple(address for address in self.addresses if address.field in fields)

    @property
    def resent(self) -> bool:
        """True when Resent-To/Cc/Bcc are present: the message is being re-sent to those recipients."""
        return any(name in self.fields_present for name in RESENT_FIELDS)

    @property
    def recipient_fields(self) -> tuple[str, ...]:
        """The fields that say who this sending goes to: the Resent-* fields when present, else To/Cc/Bcc."""
        return RESENT_FIELDS if self.resent else (*VISIBLE_FIELDS, *BLIND_FIELDS)

    @property
    def recipients(self) -> tuple[ParsedAddress, ...]:
        return self.in_fields(*self.recipient_fields)

    @property
    def blind(self) -> tuple[ParsedAddress, ...]:
        """Addresses in a Bcc (or Resent-Bcc) header: a blind list written into the MIME."""
        return self.in_fields("Resent-Bcc" if self.resent else "Bcc")

    def clean_addr_specs(self) -> dict[str, str]:
        """addr-spec -> normalised form, for addresses in fields the parser found no defect in."""
        defective = {defect.field for defect in self.defects}
        return {a.addr_spec: a.normalised for a in self.addresses if a.normalised and a.field not in defective}

    @property
    def normalised(self) -> tuple[str, ...]:
        """The comparison form of every usable recipient, in header order, duplicates kept."""
        return tuple(a.normalised for a in self.recipients if a.normalised is not None)


@dataclass(frozen=True, slots=True)
class RecipientPlan:
    """Who the caller meant to reach: visible To and Cc, blind Bcc (normalised addresses)."""

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()

    @classmethod
    def of(cls, to: Iterable[str] = (), cc: Iterable[str] = (), bcc: Iterable[str] = ()) -> RecipientPlan:
        """A plan from caller-given addresses, normalised; injected or malformed addresses raise."""
        return cls(tuple(map(normalise, to)), tuple(map(normalise, cc)), tuple(map(normalise, bcc)))

    @property
    def visible(self) -> tuple[str, ...]:
        return (*self.to, *self.cc)

    @property
    def envelope(self) -> tuple[str, ...]:
        return (*self.to, *self.cc, *self.bcc)
