"""A parsed message with the few things every detector asks for: decoded subject, sender, notification text.

Parsing uses the stdlib feed parser with the compat32 policy: it never raises on malformed input, turns
`message/delivery-status` bodies into header blocks for us, and costs nothing extra for headers we never
read (the modern policies build header objects we would not use here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32
from functools import cached_property

__all__ = ["MessageView", "header", "leaf_parts"]

MAX_TEXT_CHARS = 100_000  # the notification is at the top; never scan megabytes of returned attachments

# Lines after which a dialect pastes the returned original inline.
_INLINE_ORIGINAL = re.compile(
    r"^\s*(?:-+ ?This is a copy of the message|-+ ?Below this line is a copy of the message|-+ ?Original message -+|"
    r"\s*Below is a copy of the original message|-+ ?Returned Message -+|-+ ?Original message follows|"
    r"Original message headers:|-+ ?Returned mail follows)",
    re.IGNORECASE | re.MULTILINE,
)


def header(message: Message, name: str) -> str:
    """A header's raw value as text ("" when absent); compat32 may hand back Header objects for 8-bit values."""
    value = message.get(name)
    return "" if value is None else str(value).strip()


def leaf_parts(message: Message) -> Iterator[Message]:
    """Non-multipart parts in order, without descending into attached messages (the returned original)."""
    if message.is_multipart() and not message.get_content_type().startswith("message/"):
        for part in message.get_payload():
            if isinstance(part, Message):
                yield from leaf_parts(part)
    else:
        yield message


def _decoded_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # unknown charset name
        return payload.decode("latin-1")


class MessageView:
    """One message plus lazily computed, cached views of it; handed to every detector and dialect."""

    def __init__(self, message: Message) -> None:
        self.message = message

    @classmethod
    def from_bytes(cls, data: bytes) -> MessageView:
        return cls(message_from_bytes(data, policy=compat32))

    @cached_property
    def subject(self) -> str:
        raw = header(self.message, "Subject")
        try:
            return str(make_header(decode_header(raw)))
        except (HeaderParseError, LookupError, UnicodeError, ValueError):
            return raw

    @cached_property
    def sender(self) -> str:
        """The From header, lower-cased, for matching `mailer-daemon@...` and friends."""
        return header(self.message, "From").lower()

    @cached_property
    def text(self) -> str:
        """The human-readable notification: the first text part outside attached messages, decoded."""
        for part in leaf_parts(self.message):
            if part.get_content_maintype() == "text" and part.get_content_subtype() in ("plain", "html"):
                text = _decoded_text(part)[:MAX_TEXT_CHARS]
                if part.get_content_subtype() == "html":
                    text = re.sub(r"<[^>]{0,2000}>", " ", text)
                return text.replace("\r\n", "\n")
        return ""

    @cached_property
    def notification(self) -> str:
        """`text` up to where an inline copy of the original message starts."""
        found = _INLINE_ORIGINAL.search(self.text)
        return self.text[: found.start()] if found else self.text

    @cached_property
    def original_headers(self) -> Message | None:
        """Headers of the returned original: attached message/rfc822, text/rfc822-headers, or pasted inline."""
        for part in self.message.walk():
            content_type = part.get_content_type()
            if content_type in ("message/rfc822", "message/global"):
                inner = part.get_payload()
                if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                    return inner[0]
            elif content_type in ("text/rfc822-headers", "message/global-headers"):
                return HeaderParser(policy=compat32).parsestr(_decoded_text(part).lstrip())
        found = _INLINE_ORIGINAL.search(self.text)
        if found:
            rest = self.text[found.end() :].split("\n", 1)[-1].lstrip("\n")
            return HeaderParser(policy=compat32).parsestr(rest)
        return None

    @cached_property
    def original_message_id(self) -> str | None:
        original = self.original_headers
        value = header(original, "Message-ID") if original is not None else ""
        return value.strip() or None
