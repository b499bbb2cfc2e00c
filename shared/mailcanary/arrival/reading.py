"""What the arrival checks read from one message: the same reading for the bytes a path sent and a copy that arrived.

The message is parsed once with the standard library's feed parser under compat32 (it never raises on broken
MIME and builds no header objects we would not use); the address headers go through the one recipients parser
(`mailcanary.recipients`, bounded), the Subject through `email.header` (encoded words decoded), and the body
digest is taken over the decoded text part with line ends and trailing empty lines normalised, so a relay that
re-encodes the body (8bit to quoted-printable, LF to CRLF) keeps the digest and one that changes a word does not.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32

from mailcanary.arrival.errors import ArrivalParseError, ArrivalTooLargeError
from mailcanary.arrival.model import CANARY_HEADER, MAX_ARRIVED_BYTES
from mailcanary.bounce.message_view import decode_text
from mailcanary.recipients import MAX_HEADER_BLOCK_BYTES, HeaderRecipients, Oversize, parse_header_recipients

__all__ = ["MAX_BOUNDARIES", "MAX_HEADER_CHARS", "MAX_PARTS", "MessageFacts", "body_digest", "read_message"]

MAX_PARTS = 256  # MIME parts walked looking for the text body; a canary has one
MAX_BOUNDARIES = 64  # multipart boundaries declared; a canary declares none, a relay's wrapping a few
MAX_HEADER_CHARS = 4_000  # of Subject / Message-ID read: decode_header is superlinear in encoded words
_FOLD = re.compile(r"\r?\n(?=[ \t])")


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """The fields the arrival checks compare, read from one message."""

    message_id: str
    subject: str  # decoded
    canary_id: str
    to: tuple[str, ...]  # normalised, header order
    cc: tuple[str, ...]
    bcc_header: bool  # a Bcc field is present at all (even empty)
    recipient_problems: tuple[str, ...]  # defects or a size limit the recipients parser reported
    body_sha256: str  # "" when the message has no text part


def read_message(raw: bytes, *, limit: int = MAX_ARRIVED_BYTES) -> MessageFacts:
    """The facts of one message; raises `ArrivalTooLargeError` past `limit` and `ArrivalParseError` for input that
    is no message at all (not bytes, empty, MIME nested deeper than the parser can follow)."""
    if not isinstance(raw, bytes | bytearray):
        raise ArrivalParseError(f"expected the message as bytes, got {type(raw).__name__}")
    if len(raw) > limit:
        raise ArrivalTooLargeError(f"message of {len(raw)} bytes exceeds the {limit}-byte limit")
    if not raw or raw.isspace():  # (no stripped copy of a large message just to see it is blank)
        raise ArrivalParseError("empty input: no message to read")
    boundaries = raw.lower().count(b"boundary=")
    if boundaries > MAX_BOUNDARIES:  # the feed parser's time grows with the square of the nesting
        raise ArrivalParseError(f"{boundaries} multipart boundaries, over {MAX_BOUNDARIES}: not a canary")
    try:
        message = BytesParser(policy=_RAW_VALUES).parsebytes(bytes(raw))
    except RecursionError:
        raise ArrivalParseError("MIME parts nest deeper than the parser can follow") from None
    if _header_block_over_limit(raw):  # (the recipients parser checks this itself only when given bytes)
        header = HeaderRecipients(
            oversize=Oversize("MAX_HEADER_BLOCK_BYTES", "headers", len(raw), MAX_HEADER_BLOCK_BYTES)
        )
    else:
        header = parse_header_recipients(message)  # the header fields already split: not parsed a second time
    problems = [f"{d.field}: {d.defect}: {d.message}" for d in header.defects]
    if header.oversize is not None:
        problems.append(str(header.oversize))
    to = tuple(a.normalised or a.addr_spec for a in header.addresses if a.field == "To")
    cc = tuple(a.normalised or a.addr_spec for a in header.addresses if a.field == "Cc")
    fields = _first_fields(message)
    return MessageFacts(
        message_id=fields.get("message-id", ""),
        subject=_decoded(fields.get("subject", "")),
        canary_id=fields.get(_CANARY, ""),
        to=to,
        cc=cc,
        bcc_header="Bcc" in header.fields_present,
        recipient_problems=tuple(problems),
        body_sha256=body_digest(message),
    )


def _header_block_over_limit(raw: bytes | bytearray) -> bool:
    """No empty line within the first `MAX_HEADER_BLOCK_BYTES`: the header block is longer than that."""
    window = raw[: MAX_HEADER_BLOCK_BYTES + 4]
    return len(raw) > MAX_HEADER_BLOCK_BYTES and b"\r\n\r\n" not in window and b"\n\n" not in window


class _RawValues(Compat32):
    """compat32 splitting, header values handed back as text: 8-bit bytes read as UTF-8 (RFC 6532), as the
    recipients parser reads them, and undecodable bytes kept as surrogates; never a `Header` object."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        if value.isascii():
            return value
        return value.encode("ascii", "surrogateescape").decode("utf-8", "surrogateescape")


_RAW_VALUES = _RawValues()
_CANARY = CANARY_HEADER.lower()
_READ = frozenset({"message-id", "subject", _CANARY})


def _first_fields(message: Message) -> dict[str, str]:
    """The first Message-ID, Subject and canary header, unfolded, in one pass over the fields."""
    found: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        if key in _READ and key not in found:
            found[key] = _FOLD.sub("", str(value)[:MAX_HEADER_CHARS]).strip()
    return found


def _decoded(value: str) -> str:
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):  # an undecodable word: compare it raw
        return value


def body_digest(message: Message) -> str:
    """SHA-256 (hex) of the first text part's decoded text, line ends as LF and trailing empty lines dropped;
    "" when no text part is found within `MAX_PARTS` parts."""
    part = _text_part(message)
    if part is None:
        return ""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = None
    if not payload.isascii():  # (for ASCII every charset agrees: Content-Type's parameters are not parsed)
        try:
            charset = part.get_content_charset()
        except (LookupError, ValueError):  # a mangled charset parameter: decode_text falls back
            charset = None
    text = decode_text(payload, charset).replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _text_part(message: Message) -> Message | None:
    """The first text/plain part that is not an attachment, else the first text part (depth first, bounded)."""
    if not message.is_multipart():  # a canary: one text part, no walk
        return message if message.get_content_maintype() == "text" else None
    stack = [message]
    fallback: Message | None = None
    for _ in range(MAX_PARTS):
        if not stack:
            break
        part = stack.pop()
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(child for child in reversed(children) if isinstance(child, Message))
            continue
        if part.get_content_maintype() != "text":
            continue
        if part.get_content_subtype() == "plain" and "attachment" not in str(part.get("Content-Disposition", "")):
            return part
        fallback = fallback or part
    return fallback
