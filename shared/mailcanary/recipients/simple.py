"""A fast path for the plainest address lists: `local@domain` and `Name <local@domain>`, ASCII only.

Most recipient headers and envelope entries are exactly that, and the header registry's full RFC 5322
parser costs far more than the rest of a check. This module accepts only a strict subset of the
grammar — dot-atom local parts and domains, display names of plain atoms separated by single spaces,
no quotes, comments, groups, encoded words, routes, empty list elements or non-ASCII — and answers None
for anything else, which then goes through `email.headerregistry` as before. On every input it accepts it
gives exactly what the registry gives (a hypothesis property in tests/unit proves it), so the fast path
changes speed, never results. It does not parse anything the registry would treat differently.
"""

from __future__ import annotations

import re
from email.headerregistry import Address

__all__ = ["NAMED_PLAIN_ADDRESS", "simple_address", "simple_mailboxes", "split_mailboxes"]

# RFC 5322 3.2.3 atext; display-name atoms leave out "=" and "?" so no encoded word (RFC 2047) can pass.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_NAME_ATEXT = r"[A-Za-z0-9!#$%&'*+/^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
_ADDR_SPEC = rf"(?P<local>{_DOT_ATOM})@(?P<domain>{_DOT_ATOM})"
_MAILBOX = re.compile(rf"[ \t]*(?:(?P<name>{_NAME_ATEXT}(?: {_NAME_ATEXT})*) )?<{_ADDR_SPEC}>[ \t]*")
_BARE = re.compile(rf"[ \t]*{_ADDR_SPEC}[ \t]*")
# Any display name (read by the registry, once per distinct name) before a plain `<local@domain>`. The
# lookahead asks for one non-space character without splitting the name in two, so matching stays linear.
NAMED_PLAIN_ADDRESS = re.compile(rf"(?P<name>(?=[^<>@,]*[^<>@,\s])[^<>@,]*)<{_ADDR_SPEC}>[ \t]*")
# Tokens that may hold a comma (quoted strings, comments, domain literals, groups, quoted pairs): where any
# appears, commas are not only list separators (nor where an encoded word holds one: `_comma_in_encoded_word`).
_UNSPLITTABLE = re.compile(r'["()\[\]\\:;]')


def simple_address(text: str) -> Address | None:
    """One mailbox of the plain form, as the header registry would parse it; None when not that plain."""
    match = _BARE.fullmatch(text) or _MAILBOX.fullmatch(text)
    if match is None:
        return None
    name = match.groupdict().get("name") or ""
    return Address(display_name=name, username=match["local"], domain=match["domain"])


def simple_mailboxes(value: str) -> list[Address] | None:
    """A comma-separated list of plain mailboxes; None when any element is not plain (or the list is empty).

    Splitting on commas is exact here: no accepted element can contain a comma, a quote or a comment.
    """
    mailboxes = []
    for element in value.split(","):
        address = simple_address(element)
        if address is None:
            return None
        mailboxes.append(address)
    return mailboxes


def split_mailboxes(value: str) -> list[Address | str] | None:
    """The list's elements, each as an `Address` when plain, else as text for the registry to read alone.

    None when commas may be more than separators (see `_UNSPLITTABLE`) or an element is blank (the
    registry reports an empty element as a defect of the whole list): then the whole value is the
    registry's. The registry reads one address at a time and stops at a comma, so reading an element on
    its own gives what it gives inside the list (the hypothesis property in tests/unit checks that too).
    """
    if _UNSPLITTABLE.search(value) or _comma_in_encoded_word(value):
        return None
    pieces: list[Address | str] = []
    for element in value.split(","):
        if not element.strip():
            return None
        pieces.append(simple_address(element) or element)
    return pieces


def _comma_in_encoded_word(value: str) -> bool:
    """True when a run without whitespace holds `=?`, then a comma, then `?=`: a comma an encoded word may own.

    The same as searching `=\\?\\S*,\\S*\\?=`, in linear time (that regular expression is quadratic on a run of
    `=?`): the leftmost `=?` of a run, the first comma after it and the first `?=` after that decide it.
    """
    for run in value.split():
        start = run.find("=?")
        comma = run.find(",", start + 2) if start >= 0 else -1
        if comma >= 0 and run.find("?=", comma + 1) >= 0:
            return True
    return False
