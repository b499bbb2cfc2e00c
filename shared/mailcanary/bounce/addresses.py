"""Addresses out of header values and report text, linear in their length and never a non-address token.

The stdlib address parser recurses once per nested comment, so `(((...` a thousand deep is a RecursionError;
comments are removed here first by one linear scan. What comes out is checked to be a plain
`local@domain`: pipe commands, mailbox paths, source routes and bare `@host` are dropped.
"""

from __future__ import annotations

import re
from email.utils import getaddresses

__all__ = ["MAX_ADDRESS_FIELD_CHARS", "addresses_in", "clean_address", "is_qualified", "strip_comments"]

MAX_ADDRESS_FIELD_CHARS = 20_000  # of one header value read for addresses (hundreds of recipients)
_ADDRESS = re.compile(r"[\w.!#$%&'*+=?^`{}~-]{1,128}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,16}")
_TYPE_PREFIX = re.compile(r"^(?:rfc822|smtp)\s*[;:=]\s*", re.IGNORECASE)
_EDGES = " \t\r\n<>\"'()[],;:."


def strip_comments(value: str) -> str:
    """`value` without its (possibly nested) RFC 5322 comments; quoted strings are kept as they are."""
    if "(" not in value and ")" not in value:
        return value
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
        elif quoted:
            quoted = char != '"'
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            quoted = char == '"'
            out.append(char)
    return "".join(out)


def clean_address(token: str | None) -> str | None:
    """`token` as a bare `local@domain`, or None when it is not one (pipe, path, route, `@host`, no domain).

    A single-label domain (`user@localhost`) is an address; `is_qualified` tells the two apart.
    """
    if not token:
        return None
    candidate = token.strip(_EDGES)
    if ":" in candidate and candidate.startswith("@"):  # source route @relay:user@example.com
        candidate = candidate.rsplit(":", 1)[1]
    candidate = _TYPE_PREFIX.sub("", candidate).strip(_EDGES)  # rfc822;user@... and Exchange's smtp=user@...
    match = _ADDRESS.fullmatch(candidate)
    if match is None or candidate.startswith((".", "|", "/")) or ".." in candidate.split("@", 1)[0]:
        return None
    return candidate


def is_qualified(address: str) -> bool:
    """Whether the domain has a dot: `user@localhost` is an address, but a poorer one than `user@example.net`."""
    return "." in address.rpartition("@")[2]


def addresses_in(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The distinct addresses named in header values (comments and display names dropped), in order."""
    found: dict[str, None] = {}
    for value in values:
        text = strip_comments(str(value)[:MAX_ADDRESS_FIELD_CHARS])
        for address in _bare_list(text) or [address for _, address in getaddresses([text])]:
            cleaned = clean_address(address)
            if cleaned is not None:
                found.setdefault(cleaned, None)
    return tuple(found)


def _bare_list(text: str) -> list[str] | None:
    """`a@example.net, b@example.org` (bare addresses and commas only, as in X-Failed-Recipients) split without
    the stdlib address parser, which would answer the same far more slowly; None for anything else."""
    pieces = [piece.strip() for piece in text.split(",")]
    bare = [piece for piece in pieces if piece]
    if not bare or any(clean_address(piece) != piece for piece in bare):
        return None
    return bare
