"""A linear reader for address lists whose display names quote, dot or escape: `"Doe, J." <j@x.org>, ...`.

The header registry's parser slices the rest of the value at every token, so its time grows with the square
of the list: 49 quoted display names took 3.9 ms, 4 KiB of empty quoted strings 0.2 s, 4 KiB of dotted
words 0.15 s. This module tokenises the list in one pass (each token matched once, from its position, never
by slicing what follows) and builds what `email.headerregistry` builds: the same mailboxes, display names
and defects. It reads a subset of RFC 5322 and answers None for anything outside it, which then goes to the
registry as before:

- display names of atoms and quoted strings (quoted pairs included) separated by spaces or tabs, with
  periods among them (obs-phrase, as in "John Q. Public": one `ObsoleteHeaderDefect` per period, and one
  more for white space after a period that no word follows, exactly as the registry reports them);
- `<local@domain>` and bare `local@domain` with dot-atom domains and local parts of atoms and periods (a
  run of periods is obs-local-part: the registry's `InvalidHeaderDefect`s, one per extra period);
- printable ASCII only; no encoded words (`=?`), comments, groups, routes, domain literals, quoted local
  parts, empty list elements, nor a display name that starts or ends with a period.

A hypothesis property in tests/unit proves it gives exactly the registry's mailboxes and defects wherever it
answers.
"""

from __future__ import annotations

import re
from email import errors
from email.headerregistry import Address

__all__ = ["quoted_mailboxes"]

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
# A local part may repeat its periods (obs-local-part: the registry reads it, with a defect per extra period).
_ADDR_SPEC = rf"(?P<local>{_ATEXT}(?:\.+{_ATEXT})*)@(?P<domain>{_DOT_ATOM})"
# A display name's tokens: white space, an atom, a quoted string (printable ASCII, space and tab; a backslash
# quotes the visible character after it), a period. Each starts with a different character, so matching the
# run of them never backtracks; `findall` then lists them without a Python step per character.
_QUOTED = r'(?P<open>")(?P<quoted>(?:[ \t!#-\[\]-~]|\\[!-~])*)"'
_TOKEN = re.compile(rf"(?P<ws>[ \t]+)|(?P<atom>{_ATEXT})|{_QUOTED}|(?P<dot>\.)")
_PHRASE = re.compile(rf"(?:[ \t]+|{_ATEXT}|{_QUOTED.replace('?P<open>', '').replace('?P<quoted>', '')}|\.)*")
_ANGLE = re.compile(rf"<{_ADDR_SPEC}>[ \t]*")
_BARE = re.compile(rf"[ \t]*{_ADDR_SPEC}[ \t]*")
_WHITE_SPACE = re.compile(r"[ \t]+")
_PERIODS = re.compile(r"\. (?=\.|$)|\.")  # in a phrase whose white space runs are single spaces
# The registry's defects for periods in a phrase; never raised, so one instance can stand for each occurrence.
_PERIOD = errors.ObsoleteHeaderDefect("period in 'phrase'")
_COMMENT = errors.ObsoleteHeaderDefect("comment found without atom")
_NOT_DOT_ATOM = errors.InvalidHeaderDefect("local-part is not dot-atom, quoted-string, or obs-local-part")
_REPEATED = errors.InvalidHeaderDefect("invalid repeated '.'")
_PERIOD_RUNS = re.compile(r"\.{2,}")

_Read = tuple[list[tuple[Address, str | None]], list[Exception]]


def quoted_mailboxes(value: str) -> _Read | None:
    """The registry's mailboxes (none in a group) and defects for `value`; None when outside the subset."""
    if "=?" in value:
        return None
    mailboxes: list[tuple[Address, str | None]] = []
    defects: list[Exception] = []
    position, end = 0, len(value)
    while True:
        bare = _BARE.match(value, position)
        if bare is not None and (bare.end() == end or value[bare.end()] == ","):
            mailboxes.append((Address("", bare["local"], bare["domain"]), None))
            defects.extend(_local_defects(bare["local"]))
            position = bare.end()
        else:
            read = _named(value, position, defects)
            if read is None:
                return None
            address, position = read
            mailboxes.append((address, None))
            defects.extend(_local_defects(address.username))  # after the display name's, as the registry has them
        if position == end:
            return mailboxes, defects
        if value[position] != ",":
            return None
        position += 1


def _local_defects(local: str) -> list[Exception]:
    """The registry's defects for a local part of atoms and periods: one for the form, one per extra period."""
    if ".." not in local:
        return []
    found: list[Exception] = [_NOT_DOT_ATOM]
    return found + [_REPEATED] * (len(local) - len(_PERIOD_RUNS.sub(".", local)))


def _named(value: str, position: int, defects: list[Exception]) -> tuple[Address, int] | None:
    """One `[display name] <local@domain>` from `position`: the address and where it ends; None if not that."""
    phrase = _PHRASE.match(value, position)
    angle = _ANGLE.match(value, phrase.end()) if phrase is not None else None
    if phrase is None or angle is None:
        return None
    text = phrase.group()
    if "\\" not in text:
        named = _name_and_defects(text)
        if named is None:
            return None
        defects.extend(named[1])
        return Address(named[0], angle["local"], angle["domain"]), angle.end()
    tokens = _TOKEN.findall(text)  # (ws, atom, open, quoted, dot) each: quoted pairs need the quotes found one by one
    if any(dot for *_, dot in tokens):
        return _dotted(tokens, angle, defects)
    parts = [" " if ws else atom or _unquoted(quoted) for ws, atom, _, quoted, _ in tokens]
    return _address(parts, tokens, angle), angle.end()


def _name_and_defects(text: str) -> tuple[str, list[Exception]] | None:
    """A phrase without quoted pairs: its display name and period defects, in a few passes over the whole text.

    Without quoted pairs every `"` opens or closes a quoted string, so splitting on it alternates between
    text outside quotes (atoms, periods and white space, each run of it one space) and quoted content (kept as
    it is). None for a phrase that starts or ends with a period (the registry reports those otherwise).
    """
    pieces = text.split('"')
    outside = _WHITE_SPACE.sub(" ", "\x00".join(pieces[0::2]))  # NUL cannot occur in an accepted phrase
    defects: list[Exception] = []
    if "." in outside:
        if outside.lstrip(" ").startswith(".") or outside.endswith("."):
            return None
        # One defect per period, and one more for white space after a period that no word follows ("a. . b").
        found = "".join(_PERIODS.findall(outside))
        defects = [_PERIOD if mark == "." else _COMMENT for mark in found]
    pieces[0::2] = outside.split("\x00")
    if len(pieces) == 1:
        return pieces[0].strip(" "), defects
    start = 1 if pieces[0].startswith(" ") else 0
    name = "".join(pieces)
    return (name[start : len(name) - 1] if pieces[-1].endswith(" ") else name[start:]), defects


def _unquoted(content: str) -> str:
    """Quoted pairs decoded: each backslash pair (read left to right) is one backslash, any other loses its `\\`."""
    if "\\" not in content:
        return content
    return content.replace("\\\\", "\x00").replace("\\", "").replace("\x00", "\\")


def _dotted(
    tokens: list[tuple[str, str, str, str, str]], angle: re.Match[str], defects: list[Exception]
) -> tuple[Address, int] | None:
    """A display name with periods in it (obs-phrase), with the defects the registry reports for them."""
    if tokens[0][4] or (tokens[0][0] and len(tokens) > 1 and tokens[1][4]) or tokens[-1][4]:
        return None  # a phrase that starts or ends with a period: the registry reports it otherwise, or raises
    parts: list[str] = []
    found: list[Exception] = []
    period, comment = _PERIOD, _COMMENT
    after_dot = False  # white space after a period: a word takes it as its leader, anything else is a defect
    last_ws = False
    for ws, atom, _, quoted, dot in tokens:
        if dot:
            if last_ws and after_dot:
                found.append(comment)
            found.append(period)
            parts.append(".")
            after_dot = True
        elif ws:
            parts.append(" ")
        else:
            after_dot = False
            parts.append(atom or _unquoted(quoted))
        last_ws = bool(ws)
    if last_ws and after_dot:
        found.append(comment)
    defects.extend(found)
    return _address(parts, tokens, angle), angle.end()


def _address(parts: list[str], tokens: list[tuple[str, str, str, str, str]], angle: re.Match[str]) -> Address:
    """The mailbox, its display name without the white space before the first word and after the last.

    Whether a part is white space is read from its token: a quoted " " is a part of one space too, and kept.
    """
    if tokens and tokens[-1][0]:
        parts = parts[:-1]
    if tokens and tokens[0][0]:
        parts = parts[1:]
    return Address("".join(parts), angle["local"], angle["domain"])
