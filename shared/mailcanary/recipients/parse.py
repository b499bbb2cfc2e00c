"""Recipients from raw MIME: To, Cc, Bcc and Resent-To/Cc/Bcc, parsed by `email.headerregistry`.

The header block is split with the cheap compat32 parser (body untouched); only the address fields go
through the header registry's full RFC 5322 parser, which handles groups, quoted local parts, encoded-word
display names and comments, and reports defects instead of fixing them silently. Raw header bytes are read
as UTF-8 (RFC 6532), so an internationalised domain written in UTF-8 arrives as Unicode; bytes that are not
UTF-8 stay undecodable and are reported as a defect.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import Address, Group
from email.message import Message
from email.parser import HeaderParser
from email.policy import Compat32

from mailcanary.recipients.errors import RecipientError
from mailcanary.recipients.model import ADDRESS_FIELDS, AddressDefect, HeaderRecipients, ParsedAddress
from mailcanary.recipients.normalise import has_injection, normalise_parts, printable

__all__ = ["parse_address_header", "parse_header_recipients"]


class _RawValues(Compat32):
    """compat32 splitting, but header values handed back untouched (no `Header` objects for stray bytes)."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_RAW_VALUES = _RawValues()
_CANONICAL = {name.lower(): name for name in ADDRESS_FIELDS}
_VALUE_EXCERPT = 200


def parse_header_recipients(raw: bytes | str | Message) -> HeaderRecipients:
    """Every recipient named in a message's address headers, with the parser's defects; never raises on content."""
    if isinstance(raw, Message):
        message = raw
    else:
        text = _header_block(raw).decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw
        message = HeaderParser(policy=_RAW_VALUES).parsestr(text, headersonly=True)
    addresses: list[ParsedAddress] = []
    defects: list[AddressDefect] = []
    present: set[str] = set()
    for name, value in message.items():
        canonical = _CANONICAL.get(name.lower())
        if canonical is None:
            continue
        present.add(canonical)
        parsed, found = parse_address_header(canonical, str(value))
        addresses.extend(parsed)
        defects.extend(found)
    return HeaderRecipients(tuple(addresses), tuple(defects), frozenset(present))


def _header_block(raw: bytes) -> bytes:
    """The bytes up to and including the first empty line: the parser stops there, so the body is never scanned.

    Any CRLF CRLF or LF LF contains an empty line, so the cut is never before the parser's own end of headers.
    """
    ends = [index for index in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if index >= 0]
    return raw[: min(ends) + 2] if ends else raw


def parse_address_header(field: str, value: str) -> tuple[list[ParsedAddress], list[AddressDefect]]:
    """One address header's mailboxes (groups flattened, group name kept) and its defects."""
    excerpt = printable(value[:_VALUE_EXCERPT])
    defects: list[AddressDefect] = []
    if "\x00" in value:
        defects.append(AddressDefect(field, "InjectionDefect", "NUL character in header value", excerpt, True))
    unfolded = value.replace("\r", "").replace("\n", "")  # unfold as policy.default does
    try:
        header = policy.default.header_factory(field, unfolded)
    except Exception as exc:  # the registry's parser has raised on hostile input: keep the evidence
        defects.append(AddressDefect(field, type(exc).__name__, f"header parser failed: {exc}", excerpt))
        return [], defects
    defects.extend(AddressDefect(field, type(d).__name__, str(d), excerpt) for d in header.defects)
    addresses: list[ParsedAddress] = []
    groups: tuple[Group, ...] = header.groups  # an AddressHeader (header_factory is untyped)
    for group in groups:
        for mailbox in group.addresses:
            addresses.append(_parsed(field, mailbox, group.display_name, defects, excerpt))
    return addresses, defects


def _parsed(
    field: str, mailbox: Address, group: str | None, defects: list[AddressDefect], excerpt: str
) -> ParsedAddress:
    if not mailbox.username or not mailbox.domain:
        # The registry keeps an unreadable mailbox as an empty address (and says why in header.defects).
        defects.append(AddressDefect(field, "UnreadableMailbox", "no usable local part and domain here", excerpt))
        return ParsedAddress(field, mailbox.display_name, mailbox.addr_spec, None, group)
    try:
        normalised: str | None = normalise_parts(mailbox.username, mailbox.domain)
    except RecipientError as exc:
        normalised = None
        injection = has_injection(mailbox.username) or has_injection(mailbox.domain)
        message = printable(str(exc))
        defects.append(AddressDefect(field, type(exc).__name__, message, printable(mailbox.addr_spec), injection))
    return ParsedAddress(field, mailbox.display_name, mailbox.addr_spec, normalised, group)
