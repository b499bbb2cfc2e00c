"""Recipients from raw MIME: To, Cc, Bcc and Resent-To/Cc/Bcc, parsed by `email.headerregistry`.

The header block is split with the cheap compat32 parser (body untouched); only the address fields go
through the header registry's full RFC 5322 parser, which handles groups, quoted local parts, encoded-word
display names and comments, and reports defects instead of fixing them silently. Raw header bytes are read
as UTF-8 (RFC 6532), so an internationalised domain written in UTF-8 arrives as Unicode; bytes that are not
UTF-8 stay undecodable and are reported as a defect.

Parsing is bounded (see `limits`): a header block, address headers or an address list over a limit give a
`HeaderRecipients` whose `oversize` says which, instead of time and memory growing with the square of the
input; `parse_address_header` raises `RecipientsTooLargeError`.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import Address, Group
from email.message import Message
from email.parser import HeaderParser
from email.policy import Compat32
from functools import lru_cache

from mailcanary.recipients.comments import without_comments
from mailcanary.recipients.errors import RecipientError, RecipientsTooLargeError
from mailcanary.recipients.limits import (
    MAX_ADDRESS_HEADER_CHARS,
    MAX_ADDRESSES,
    MAX_ENCODED_WORDS,
    MAX_HEADER_BLOCK_BYTES,
    MAX_PARSER_CHARS,
    Oversize,
    encoded_words,
    list_elements,
)
from mailcanary.recipients.model import ADDRESS_FIELDS, AddressDefect, HeaderRecipients, ParsedAddress
from mailcanary.recipients.normalise import has_injection, normalise_parts, printable
from mailcanary.recipients.quoted import quoted_mailboxes
from mailcanary.recipients.simple import NAMED_PLAIN_ADDRESS, split_mailboxes

__all__ = ["parse_address_header", "parse_header_recipients"]


class _RawValues(Compat32):
    """compat32 splitting, but header values handed back untouched (no `Header` objects for stray bytes)."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_RAW_VALUES = _RawValues()
_CANONICAL = {name.lower(): name for name in ADDRESS_FIELDS}
_VALUE_EXCERPT = 200


def parse_header_recipients(raw: bytes | bytearray | str | Message) -> HeaderRecipients:
    """Every recipient named in a message's address headers, with the parser's defects; never raises on content.

    Over a size limit the result names no recipient and carries the `Oversize` instead.
    """
    if isinstance(raw, Message):
        message = raw
    else:
        block = _header_block(raw)
        if len(block) > MAX_HEADER_BLOCK_BYTES:
            block_limit = Oversize("MAX_HEADER_BLOCK_BYTES", "headers", len(block), MAX_HEADER_BLOCK_BYTES)
            return HeaderRecipients(oversize=block_limit)
        text = block if isinstance(block, str) else bytes(block).decode("utf-8", "surrogateescape")
        message = HeaderParser(policy=_RAW_VALUES).parsestr(text, headersonly=True)
    fields = [(_CANONICAL[name.lower()], str(value)) for name, value in message.items() if name.lower() in _CANONICAL]
    present = frozenset(name for name, _ in fields)
    oversize = _over_limits(fields)
    if oversize is not None:
        return HeaderRecipients(fields_present=present, oversize=oversize)
    addresses: list[ParsedAddress] = []
    defects: list[AddressDefect] = []
    for canonical, value in fields:
        try:
            parsed, found = parse_address_header(canonical, value)
        except RecipientsTooLargeError as exc:
            return HeaderRecipients(fields_present=present, oversize=exc.oversize)
        addresses.extend(parsed)
        defects.extend(found)
    return HeaderRecipients(tuple(addresses), tuple(defects), present)


def _over_limits(fields: list[tuple[str, str]]) -> Oversize | None:
    """The first message-wide limit the address headers pass together, counted in linear time; None if none."""
    measures = (
        ("MAX_ADDRESS_HEADER_CHARS", MAX_ADDRESS_HEADER_CHARS, sum(len(value) for _, value in fields)),
        ("MAX_ADDRESSES", MAX_ADDRESSES, sum(list_elements(value) for _, value in fields)),
        ("MAX_ENCODED_WORDS", MAX_ENCODED_WORDS, sum(encoded_words(value) for _, value in fields)),
    )
    for name, cap, size in measures:
        if size > cap:
            return Oversize(name, "headers", size, cap)
    return None


def _header_block(raw: bytes | bytearray | str) -> bytes | bytearray | str:
    """The text up to and including the first empty line: the parser stops there, so the body is never scanned.

    Any CRLF CRLF or LF LF contains an empty line, so the cut is never before the parser's own end of headers.
    Only the first `MAX_HEADER_BLOCK_BYTES` (and a little) are searched: a longer block is over the limit.
    """
    window = MAX_HEADER_BLOCK_BYTES + 4
    if isinstance(raw, str):
        found = (raw.find("\r\n\r\n", 0, window), raw.find("\n\n", 0, window))
    else:
        found = (raw.find(b"\r\n\r\n", 0, window), raw.find(b"\n\n", 0, window))
    ends = [index for index in found if index >= 0]
    return raw[: min(ends) + 2] if ends else raw[:window]


def parse_address_header(field: str, value: str) -> tuple[list[ParsedAddress], list[AddressDefect]]:
    """One address header's mailboxes (groups flattened, group name kept) and its defects.

    A value up to `MAX_PARSER_CHARS` reads exactly as the header registry reads it. A longer one is read one
    list element at a time (each element's defects reported with it); raises `RecipientsTooLargeError` when
    it cannot be split that way (quotes, comments, groups) or one element is longer than `MAX_PARSER_CHARS`.
    """
    excerpt = printable(value[:_VALUE_EXCERPT])
    defects: list[AddressDefect] = []
    if "\x00" in value:
        defects.append(AddressDefect(field, "InjectionDefect", "NUL character in header value", excerpt, True))
    unfolded = value.replace("\r", "").replace("\n", "")  # unfold as policy.default does
    _check_size(field, unfolded)
    pieces = split_mailboxes(unfolded)  # plain elements skip the registry; the others are read one by one
    short = len(unfolded) <= MAX_PARSER_CHARS
    if pieces is None and not short:
        raise RecipientsTooLargeError(Oversize("MAX_PARSER_CHARS", field, len(unfolded), MAX_PARSER_CHARS))
    found: _Read | None = None
    if short and (pieces is None or not all(isinstance(piece, Address) for piece in pieces)):
        found = quoted_mailboxes(without_comments(unfolded))  # quoted, dotted or escaped names, in linear time
    if found is None and pieces is not None:
        found = _read_pieces(field, pieces, whole_on_defect=short)
    if found is None:
        try:
            found = _registry_read(field, unfolded)
        except Exception as exc:  # the registry's parser has raised on hostile input: keep the evidence
            defects.append(AddressDefect(field, type(exc).__name__, f"header parser failed: {exc}", excerpt))
            return [], defects
    mailboxes, registry_defects = found
    defects.extend(_address_defects(field, registry_defects, excerpt))
    return [_parsed(field, mailbox, group, defects, excerpt) for mailbox, group in mailboxes], defects


def _address_defects(field: str, found: list[Exception], excerpt: str) -> list[AddressDefect]:
    """The parser's defects as `AddressDefect`s, in order; a repeated defect instance gives one shared (frozen) one."""
    made: dict[int, AddressDefect] = {}  # by identity: the linear reader repeats one defect instance
    for defect in found:
        if id(defect) not in made:
            made[id(defect)] = AddressDefect(field, type(defect).__name__, str(defect), excerpt)
    return [made[id(defect)] for defect in found]


def _check_size(field: str, value: str) -> None:
    """Raise `RecipientsTooLargeError` for one address list over a limit (each count is linear in `value`)."""
    for name, cap, size in (
        ("MAX_ADDRESS_HEADER_CHARS", MAX_ADDRESS_HEADER_CHARS, len(value)),
        ("MAX_ADDRESSES", MAX_ADDRESSES, list_elements(value)),
        ("MAX_ENCODED_WORDS", MAX_ENCODED_WORDS, encoded_words(value)),
    ):
        if size > cap:
            raise RecipientsTooLargeError(Oversize(name, field, size, cap))


_Read = tuple[list[tuple[Address, str | None]], list[Exception]]


def _registry_read(field: str, text: str) -> _Read:
    """The header registry's mailboxes (with their group's name) and defects for an address-list text."""
    header = policy.default.header_factory(field, without_comments(text))  # comments: see recipients.comments
    groups: tuple[Group, ...] = header.groups  # an AddressHeader (header_factory is untyped)
    return [(mailbox, group.display_name) for group in groups for mailbox in group.addresses], list(header.defects)


def _display_name(name: str) -> str | None:
    """`_registry_name`, cached for names of ordinary length (a cache of 4 KiB names would hold megabytes)."""
    return _registry_name(name) if len(name) > _CACHED_NAME_CHARS else _cached_name(name)


_CACHED_NAME_CHARS = 256


@lru_cache(maxsize=1024)
def _cached_name(name: str) -> str | None:
    return _registry_name(name)


def _registry_name(name: str) -> str | None:
    """How the registry reads `name` as the display name of a plain address; None if it finds any defect.

    The address after it is plain, so the name reads the same before any address: the registry reads it
    once, before a stand-in address, and a name that recurs (encoded words, mostly) costs nothing more.
    """
    try:
        mailboxes, defects = _registry_read("To", f"{name}<name@example.invalid>")
    except Exception:  # the registry raises various types on hostile input; the caller then reads it whole
        return None
    if defects or len(mailboxes) != 1 or mailboxes[0][1] is not None:
        return None
    mailbox = mailboxes[0][0]
    if (mailbox.username, mailbox.domain) != ("name", "example.invalid"):
        return None
    return str(mailbox.display_name)


def _read_pieces(field: str, pieces: list[Address | str], *, whole_on_defect: bool = True) -> _Read | None:
    """Plain elements as they are, the rest through the registry one by one.

    With `whole_on_defect`, None (read the whole list instead) on any defect or error, so a short list reads
    exactly as the registry reads it; without (a list too long to read whole), each element's defects and
    failures are kept with it. An element longer than `MAX_PARSER_CHARS` raises `RecipientsTooLargeError`.
    """
    mailboxes: list[tuple[Address, str | None]] = []
    defects: list[Exception] = []
    for piece in pieces:
        if isinstance(piece, Address):
            mailboxes.append((piece, None))
            continue
        if len(piece) > MAX_PARSER_CHARS:
            raise RecipientsTooLargeError(Oversize("MAX_PARSER_CHARS", field, len(piece), MAX_PARSER_CHARS))
        named = NAMED_PLAIN_ADDRESS.fullmatch(piece)
        display_name = _display_name(named["name"]) if named else None
        if named and display_name is not None:
            mailboxes.append((Address(display_name, named["local"], named["domain"]), None))
            continue
        try:
            more, found = _registry_read(field, piece)
        except Exception as exc:  # read the whole value instead, which reports the failure
            if whole_on_defect:
                return None
            more, found = [], [ValueError(f"header parser failed: {type(exc).__name__}: {exc}")]
        if found and whole_on_defect:  # the registry orders a whole list's defects its own way: let it read it
            return None
        mailboxes += more
        defects += found
    return mailboxes, defects


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
