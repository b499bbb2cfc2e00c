"""A parsed message with the few things every detector asks for: decoded subject, sender, notification text.

Parsing gives the stdlib feed parser's compat32 tree: it never raises on malformed input, turns
`message/delivery-status` bodies into header blocks for us, and costs nothing extra for headers we never
read (the modern policies build header objects we would not use here). `mime_split` builds that same tree
cutting bodies at boundaries (the feed parser reads every line); what it does not reproduce exactly goes
through the feed parser itself.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from email import message_from_bytes
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.policy import compat32
from functools import cached_property

from mailcanary.bounce.errors import BounceTooDeepError
from mailcanary.bounce.mime_split import SplitPart, read_headers, split_message

__all__ = ["MAX_DEPTH", "MAX_HEADER_CHARS", "MessageView", "header"]

MAX_TEXT_CHARS = 100_000
MAX_DEPTH = 32  # MIME nesting levels; a bounce of a bounce of a forwarded message needs fewer than ten
MAX_HEADER_CHARS = 4_000  # of a header we decode (Subject, From): enough to recognise one, linear past it
# Lines (lower-cased, leading dashes and blanks stripped) after which a dialect pastes the original inline.
_INLINE_ORIGINAL = (
    "this is a copy of the message",
    "below this line is a copy of the message",
    "original message -",
    "below is a copy of the original message",
    "returned message -",
    "original message follows",
    "original message headers:",
    "returned mail follows",
)


def header(message: Message, name: str) -> str:
    """A header's raw value as text ("" when absent); compat32 may hand back Header objects for 8-bit values.

    A part `mime_split` built answers from its field map (one dict lookup, not a scan of every field); a value
    that is not plain ASCII still goes through `get`, which is what decides how such a value reads."""
    if isinstance(message, SplitPart):
        raw = message.first_values.get(name.lower())
        if raw is None:
            return ""
        if raw.isascii():  # (what `get` hands back for it: the raw value itself)
            return raw.strip()
    value = message.get(name)
    return "" if value is None else str(value).strip()


# Tried in order when the declared charset is missing, unknown or wrong (UTF-8 labelled ISO-2022-JP is common
# in Japanese carriers' notices): the first that decodes without an error wins.
_FALLBACK_CHARSETS = ("utf-8", "iso-2022-jp", "shift_jis", "euc-jp", "euc-kr", "gb18030")


def _decoded_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    if _plain_ascii(payload):  # the declared charset cannot matter: not worth parsing Content-Type's parameters
        return payload.decode("ascii")
    return decode_text(payload, part.get_content_charset())


def _plain_ascii(payload: bytes) -> bool:
    return payload.isascii() and b"\x1b" not in payload  # (ESC starts ISO-2022 shifts)


def decode_text(payload: bytes, declared: str | None) -> str:
    """Bytes to text: the declared charset if it decodes cleanly, else the first fallback that does."""
    if _plain_ascii(payload):  # every charset agrees
        return payload.decode("ascii")
    for charset in (declared, *_FALLBACK_CHARSETS) if declared else _FALLBACK_CHARSETS:
        try:
            return payload.decode(charset)
        except (LookupError, ValueError):  # ValueError: a UnicodeError, or a charset name holding a NUL
            continue
    if declared and _known(declared):
        try:
            return payload.decode(declared, errors="replace")
        except UnicodeError:  # a codec that refuses the "replace" handler (idna): read it as 8-bit text
            pass
    return payload.decode("latin-1")  # undeclared 8-bit text that is no CJK encoding: western, most likely


def _known(charset: str) -> bool:
    try:
        "".encode(charset)
    except (LookupError, ValueError):  # ValueError: the codec registry refuses a name holding a NUL
        return False
    return True


_ABSENT = object()


def _content_type(part: Message) -> str:
    """The part's content type, as `Message.get_content_type` reads it but with one header lookup and no second
    split; a header broken by a missing `;` ("text/plain charset=...") keeps its type."""
    if isinstance(part, SplitPart) and (part.content_type_value is None or part.content_type_value.isascii()):
        value: object = _ABSENT if part.content_type_value is None else part.content_type_value  # (what `get` gives)
    else:
        value = part.get("content-type", _ABSENT)
    if value is _ABSENT:
        return part.get_default_type()
    content_type = str(value).partition(";")[0].strip().lower()
    if content_type.count("/") != 1:
        return "text/plain"
    return content_type.split(None, 1)[0] if " " in content_type or "\n" in content_type else content_type


class MessageView:
    """One message plus lazily computed, cached views of it; handed to every detector and dialect."""

    def __init__(self, message: Message) -> None:
        self.message = message
        self._headers: dict[str, str] = {}  # header values read so far, by lower-cased name

    @classmethod
    def from_bytes(cls, data: bytes) -> MessageView:
        """Parse a message; nesting past `MAX_DEPTH` raises `BounceTooDeepError` (the feed parser recurses)."""
        try:
            view = cls(split_message(data, MAX_DEPTH) or message_from_bytes(data, policy=compat32))
        except RecursionError:
            raise BounceTooDeepError(f"MIME parts nest deeper than {MAX_DEPTH} levels") from None
        view._walk  # noqa: B018  (walked now, so that a too-deep message fails here, not in a detector)
        return view

    @cached_property
    def _walk(self) -> tuple[tuple[tuple[str, Message], ...], tuple[tuple[str, Message], ...]]:
        """`parts` and `own_parts` in one walk (depth first, without recursion), each part's type read once."""
        found: list[tuple[str, Message]] = []
        own: list[tuple[str, Message]] = []
        stack: list[tuple[Message, int, bool]] = [(self.message, 0, True)]  # (part, depth, outside any message/*)
        while stack:
            part, depth, outside = stack.pop()
            if depth > MAX_DEPTH:
                raise BounceTooDeepError(f"MIME parts nest deeper than {MAX_DEPTH} levels")
            content_type = _content_type(part)
            found.append((content_type, part))
            multipart = part.is_multipart()  # (not get_payload(): on 8-bit text it decodes, with the declared codec)
            attached = content_type.startswith("message/")
            if outside and (attached or not multipart):
                own.append((content_type, part))
            if multipart:
                inner = outside and not attached
                children = part.get_payload()
                if isinstance(children, list):
                    stack.extend((c, depth + 1, inner) for c in reversed(children) if isinstance(c, Message))
        return tuple(found), tuple(own)

    @property
    def parts(self) -> tuple[tuple[str, Message], ...]:
        """Every part (the message itself first) with its content type."""
        return self._walk[0]

    @property
    def own_parts(self) -> tuple[tuple[str, Message], ...]:
        """Leaf parts of the report itself, not inside an attached (returned) message (which is one leaf)."""
        return self._walk[1]

    @cached_property
    def _names(self) -> Collection[str]:
        """The message's header names, lower-cased: most lookups are for headers a message does not have."""
        if isinstance(self.message, SplitPart):
            return self.message.first_values.keys()
        return frozenset(name.lower() for name in self.message)

    def has_header(self, name: str) -> bool:
        return name.lower() in self._names

    def header(self, name: str) -> str:
        """`header(self.message, name)`, answering at once for an absent header (compat32 scans them all) and
        remembered: detectors ask for the same few headers."""
        key = name.lower()
        value = self._headers.get(key)
        if value is None:
            value = self._headers[key] = header(self.message, name) if key in self._names else ""
        return value

    def first_part(self, *content_types: str) -> Message | None:
        return next((part for content_type, part in self.parts if content_type in content_types), None)

    @cached_property
    def subject(self) -> str:
        raw = self.header("Subject")[:MAX_HEADER_CHARS]  # decode_header is superlinear in encoded words
        if "=?" not in raw:  # no encoded word: decode_header would hand it back as it is
            return raw
        try:
            return str(make_header(decode_header(raw)))
        except (HeaderParseError, LookupError, UnicodeError, ValueError):
            return raw

    @cached_property
    def sender(self) -> str:
        """The From header, lower-cased, for matching `mailer-daemon@...` and friends."""
        return self.header("From")[:MAX_HEADER_CHARS].lower()

    @cached_property
    def text(self) -> str:
        """The human-readable notification: the first text part outside attached messages, decoded."""
        for content_type, part in self.own_parts:
            if content_type in ("text/plain", "text/html"):
                text = _decoded_text(part)[:MAX_TEXT_CHARS]
                if content_type == "text/html":
                    text = html.unescape(re.sub(r"<[^>]{0,2000}>", " ", text))
                return text.replace("\r\n", "\n")
        return self._unsplit_text()

    def _unsplit_text(self) -> str:
        """A multipart whose boundary the parser could not find keeps its body as one string: read it raw."""
        payload = self.message.get_payload()
        if isinstance(payload, str) and self.message.get_content_maintype() in ("multipart", "text", "message"):
            raw = self.message.get_payload(decode=True)
            text = decode_text(raw, self.message.get_content_charset()) if isinstance(raw, bytes) else payload
            return text[:MAX_TEXT_CHARS].replace("\r\n", "\n")
        return ""

    @cached_property
    def lower_text(self) -> str:
        """`text` lower-cased: detectors test for phrases with `in`, far cheaper than case-blind regexes."""
        return self.text.lower()

    def mentions(self, *phrases: str) -> bool:
        """Whether the notification text contains any of these lower-case phrases."""
        text = self.lower_text
        return any(phrase in text for phrase in phrases)

    @cached_property
    def inline_original_at(self) -> int | None:
        """Offset of the first line after which the original message is pasted inline, if any."""
        text = self.lower_text
        found = []
        for marker in _INLINE_ORIGINAL:
            at = text.find(marker)
            while at != -1:
                line_start = text.rfind("\n", 0, at) + 1
                if not text[line_start:at].strip(" \t-"):  # only dashes and blanks before it on its line
                    found.append(at)
                    break
                at = text.find(marker, at + 1)
        if not found:
            return None
        line_end = text.find("\n", min(found))
        return len(text) if line_end == -1 else line_end + 1

    @cached_property
    def original_headers(self) -> Message | None:
        """Headers of the returned original: attached message/rfc822, text/rfc822-headers, or pasted inline."""
        for content_type, part in self.parts:
            if content_type in ("message/rfc822", "message/global"):
                inner = part.get_payload()
                if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                    return inner[0]
            elif content_type in ("text/rfc822-headers", "message/global-headers"):
                return read_headers(_decoded_text(part).lstrip())
        if self.inline_original_at is not None:
            rest = self.text[self.inline_original_at :].lstrip("\n")
            return read_headers(rest)
        return None

    @cached_property
    def original_message_id(self) -> str | None:
        """Message-ID of the returned original.

        An attached message was parsed with the report; a header block (text/rfc822-headers, or an original
        pasted inline) is only searched for this one field, which spares a second feed-parser pass over it.
        """
        for content_type, part in self.parts:
            if content_type in ("message/rfc822", "message/global"):
                inner = part.get_payload()
                if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                    return header(inner[0], "Message-ID") or None
            elif content_type in ("text/rfc822-headers", "message/global-headers"):
                return _message_id(_decoded_text(part).lstrip())
        if self.inline_original_at is not None:
            return _message_id(self.text[self.inline_original_at :].lstrip("\n"))
        return None


def _message_id(block: str) -> str | None:
    """The Message-ID field of a header block (continuation lines unfolded), read up to its first blank line."""
    value: str | None = None
    for line in block.splitlines():
        if value is not None:
            if line[:1] not in (" ", "\t"):
                break
            value = f"{value} {line.strip()}"
        elif not line.strip():
            break
        else:
            name, colon, rest = line.partition(":")
            if colon and name.strip().lower() == "message-id":
                value = rest.strip()
    return value.strip() or None if value is not None else None
