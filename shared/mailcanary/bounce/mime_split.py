"""The stdlib's compat32 message tree, built by cutting the text at boundaries instead of reading it line by line.

`email.message_from_bytes` reads every line of a message through its feed parser, the returned original's
body and attachments included, and compiles a regular expression per multipart boundary: for a bounce that
is most of the parse. Here a header block is read with one regular expression under the feed parser's own
rules (raw name and value, the envelope line, stray lines dropped); bodies are sliced with `str.find` at
boundary lines, each leaf's payload is its slice, with the stdlib's rules for the line break before a
boundary, the preamble and the epilogue; a delivery-status body is cut into its header blocks at blank lines,
as the stdlib cuts it.

Anything this reader does not reproduce exactly (bare CR line breaks, a multipart without a boundary or a
start line, repeated boundary lines, a nested part reusing an outer boundary, `multipart/digest`, a
misplaced envelope line, a multipart or message among delivery-status blocks, nesting past the depth limit)
makes it answer None, and the caller parses with the stdlib: the tree is the same either way, only the time
differs. `read_headers` does the same for a lone header block (`HeaderParser`).
"""

from __future__ import annotations

import re
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32
from functools import cached_property

__all__ = ["SplitPart", "read_headers", "split_message"]

# The feed parser's own test for a header or continuation line.
_HEADER_BLOCK = re.compile(r"(?:(?:From |[\041-\071\073-\176]*:|[\t ])[^\n]*(?:\n|\Z))*")
# A field: a line that is no continuation, with its continuation lines (a leading continuation is dropped).
_FIELD = re.compile(r"^(?![ \t])[^\n]*\n?(?:[ \t][^\n]*\n?)*", re.MULTILINE)
# A field's name and its value as compat32 keeps it: blanks after the colon dropped, continuation lines kept.
_VALUE = r":[ \t]*([^\n]*\n?(?:[ \t][^\n]*\n?)*)"
_CONTENT_TYPE = re.compile(r"^content-type" + _VALUE, re.MULTILINE | re.IGNORECASE)
# The same up to the line feed that ends the field: compat32 strips the line break, a CR before it is left to strip.
_NAME_VALUE = re.compile(r"^([\041-\071\073-\176]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)", re.MULTILINE)
_BLANK_LINE = re.compile(r"^\r?\n", re.MULTILINE)
_BOUNDARY_TAIL = re.compile(r"(--)?[ \t]*(\r\n|\n|\Z)")


class SplitPart(Message):
    """A message or part this reader built; it also keeps the raw value of its first Content-Type field (None:
    none), which readers may take instead of scanning every field for it, and answers `first_values`."""

    content_type_value: str | None = None
    _headers: list[tuple[str, str]]  # (the stdlib's own list of raw fields, which compat32's `set_raw` appends to)

    def set_fields(self, fields: list[tuple[str, str]]) -> None:
        """All header fields at once, raw (name, value) pairs in order: what `set_raw` per field would leave."""
        self._headers = fields

    @cached_property
    def first_values(self) -> dict[str, str]:
        """Each field's first raw value by lower-cased name, as `get` finds it scanning every field; read once,
        when first asked (the bounce readers never change a tree they read)."""
        return {name.lower(): value for name, value in reversed(self._headers)}


class _Unsupported(Exception):
    """A shape this reader leaves to the stdlib."""


def split_message(data: bytes, max_depth: int) -> Message | None:
    """The message tree `email.message_from_bytes(data, policy=compat32)` builds (defects aside), or None."""
    text = data.decode("ascii", "surrogateescape")  # (as the stdlib's bytes parser does)
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # a bare CR is a line break to the stdlib
    try:
        return _message(text, (), max_depth, trim=False)
    except _Unsupported:
        return None


def read_headers(text: str) -> Message:
    """`HeaderParser(policy=compat32).parsestr(text)`: the header block as a message, the rest its payload."""
    if "\r" not in text or text.count("\r") == text.count("\r\n"):
        try:
            message, body_at, _ = _headers(text)
        except _Unsupported:
            pass
        else:
            message.set_payload(text[_skip_separator(text, body_at) :])
            return message
    return HeaderParser(policy=compat32).parsestr(text)


def _message(text: str, outer: tuple[str, ...], depth: int, trim: bool) -> Message:
    """One message or part; `trim`: it ends at a boundary, whose line break the stdlib takes off the payload
    (or epilogue) it parsed last in it."""
    if depth < 0:
        raise _Unsupported
    message, body_at, content_type = _headers(text)
    body = text[_skip_separator(text, body_at) :]
    if content_type == "message/delivery-status":
        message.set_payload(_status_blocks(body, trim))
        return message
    maintype = content_type.partition("/")[0]
    if maintype == "message":
        inner: list[Message | str] = [_message(body, outer, depth - 1, trim)]
        message.set_payload(inner)  # (what the stdlib's `attach` leaves)
    elif maintype == "multipart":
        _split_multipart(message, content_type, body, outer, depth)
        if trim:
            epilogue = message.epilogue
            message.epilogue = None if epilogue == "" else _chomp(epilogue) if epilogue else epilogue
    else:
        message.set_payload(_chomp(body) if trim else body)
    return message


def _status_blocks(body: str, trim: bool) -> list[Message | str]:
    """A delivery-status body as the stdlib reads it: header blocks up to each blank line, one block per blank
    line in a row, a block's non-header lines (up to the blank line) its payload."""
    blocks: list[Message | str] = []
    at = 0
    size = len(body)
    while True:
        block, header_end, content_type = _headers(body[at:])
        if content_type.partition("/")[0] in ("multipart", "message"):
            raise _Unsupported
        header_end += at
        blank = _BLANK_LINE.search(body, header_end)
        end = size if blank is None else blank.start()
        at = size if blank is None else blank.end()
        last = at == size
        payload = body[header_end:end]
        block.set_payload(_chomp(payload) if trim and last else payload)
        blocks.append(block)
        if last:
            break
    return blocks


def _headers(text: str) -> tuple[SplitPart, int, str]:
    """A message holding the text's header lines as the feed parser stores them (compat32: raw name and value),
    where they end (the first line that is no header or continuation, the blank separator included), and the
    Content-Type the feed parser would read from them."""
    end = _HEADER_BLOCK.match(text).end()  # type: ignore[union-attr]  # (it matches the empty string)
    message = SplitPart(policy=compat32)
    if not text.startswith(("From ", ":")) and text.find("\nFrom ", 0, end) == -1 and text.find("\n:", 0, end) == -1:
        # The common case, every field "name: value": one regular expression reads them all.
        fields = _NAME_VALUE.findall(text, 0, end)
        if text.find("\r", 0, end) != -1:  # (CR LF line breaks: each CR is one before a line feed)
            fields = [(name, value.rstrip("\r")) for name, value in fields]
        message.set_fields(fields)
        found = _content_type_field(text, end)
        if found is None:
            return message, end, message.get_default_type()
        message.content_type_value = found.group(1).rstrip("\r\n")
        return message, end, _content_type(message, message.content_type_value)
    content_type = None
    for field in _FIELD.findall(text, 0, end):
        if not field:
            continue  # (the empty match where the header lines end)
        if field.startswith("From "):
            if text.startswith(field) and "\n" not in field.rstrip("\r\n"):
                message.set_unixfrom(_chomp(field))
                continue
            raise _Unsupported  # a misplaced envelope line (dropped, or the body's first line), or one continued
        if field.startswith(":"):
            continue  # (a line with no field name is dropped, its continuation lines with it)
        name, value = field.split(":", 1)
        value = value.lstrip(" \t").rstrip("\r\n")
        message.set_raw(name, value)
        if content_type is None and name.lower() == "content-type":
            message.content_type_value = value
            content_type = _content_type(message, value)
    return message, end, content_type or message.get_default_type()


def _content_type_field(text: str, end: int) -> re.Match[str] | None:
    """The first Content-Type field among the header lines before `end` (its value is group 1)."""
    block = text[:end]
    if not block.isascii():  # (lower-casing keeps offsets only for ASCII)
        return _CONTENT_TYPE.search(text, 0, end)
    lowered = block.lower()
    at = 0 if lowered.startswith("content-type:") else lowered.find("\ncontent-type:") + 1
    return _CONTENT_TYPE.match(text, at, end) if at or lowered.startswith("content-type:") else None


def _content_type(message: Message, value: str) -> str:
    """`Message.get_content_type` for this raw value (8-bit values go the stdlib's own way)."""
    if not value.isascii():
        return message.get_content_type()
    content_type = value.partition(";")[0].strip().lower()
    return content_type if content_type.count("/") == 1 else "text/plain"


def _chomp(text: str) -> str:
    """Without its last line break (bare CRs never get this far)."""
    if text.endswith("\n"):
        return text[:-2] if text.endswith("\r\n") else text[:-1]
    return text


def _skip_separator(text: str, at: int) -> int:
    """Past the blank line that ends the headers, if that is what stopped them (else the body starts there)."""
    if text.startswith("\r\n", at):
        return at + 2
    if text.startswith("\n", at):
        return at + 1
    return at


def _split_multipart(message: SplitPart, content_type: str, body: str, outer: tuple[str, ...], depth: int) -> None:
    boundary = _boundary(message)
    if boundary is None or content_type == "multipart/digest" or not boundary:
        raise _Unsupported
    if any(boundary.startswith(b) or b.startswith(boundary) for b in outer):
        raise _Unsupported
    separator = "--" + boundary
    lines = _boundary_lines(body, separator)
    if not lines or lines[0][2]:
        raise _Unsupported  # no start line (the stdlib keeps the text as the payload), or a close line first
    start = lines[0][0]
    if start:
        message.preamble = _chomp(body[:start])
    inner = (*outer, boundary)
    children: list[Message | str] = []
    for index, (_, line_end, _) in enumerate(lines):
        if index + 1 < len(lines):
            part_end, next_closes = lines[index + 1][0], lines[index + 1][2]
        else:
            part_end, next_closes = len(body), False
        if part_end == line_end:
            raise _Unsupported  # boundary lines in a row: the stdlib reads them as one
        children.append(_message(body[line_end:part_end], inner, depth - 1, trim=True))
        if next_closes:
            message.epilogue = body[lines[index + 1][1] :]
            break
    message.set_payload(children)  # (what the stdlib's `attach` leaves; no close line: no epilogue, as there)


def _boundary(message: SplitPart) -> str | None:
    """`message.get_boundary()`, read straight from the Content-Type value when it holds no escape, angle bracket
    or RFC 2231 star and no `;` inside quotes. The stdlib then cuts it at every `;`, strips each name and value,
    takes the first parameter named `boundary` (an empty value if it has no `=`), unquotes it and strips its
    end. Any other value goes the stdlib's own way."""
    value = message.content_type_value
    if value is None or not value.isascii() or any(char in value for char in _PARAM_SPECIALS):
        return message.get_boundary()
    kind, *params = value.split(";")
    if "=" in kind or kind.count('"') % 2 or kind.strip().lower() == "boundary":  # (the type read as a parameter)
        return message.get_boundary()
    for param in params:
        if param.count('"') % 2:
            return message.get_boundary()
        name, equals, found = param.partition("=")
        if name.strip().lower() != "boundary":
            continue
        found = found.strip()
        if len(found) > 1 and found.startswith('"') and found.endswith('"'):
            found = found[1:-1]
        return message.get_boundary() if '"' in found else found.rstrip() if equals else ""
    return None


_PARAM_SPECIALS = ("\\", "<", ">", "*")


def _boundary_lines(body: str, separator: str) -> list[tuple[int, int, bool]]:
    """(start, end past its line break, is the close line) of each line that is a boundary line."""
    found: list[tuple[int, int, bool]] = []
    at = 0 if body.startswith(separator) else body.find("\n" + separator)
    while at != -1:
        start = at if at == 0 and body.startswith(separator) else at + 1
        tail = _BOUNDARY_TAIL.match(body, start + len(separator))
        if tail is not None:
            found.append((start, tail.end(), tail.group(1) is not None))
            if tail.group(1) is not None:
                break  # (after the close line: the epilogue)
        at = body.find("\n" + separator, start + 1)
    return found
