"""The mailbox's folders from IMAP LIST replies, and which of them is the spam folder.

The spam folder is the one flagged `\\Junk` by SPECIAL-USE (RFC 6154); where no folder is, the first that has one
of the common names (Dovecot/Fastmail "Junk", "Spam", Gmail "[Gmail]/Spam", Outlook "Junk Email", Yahoo "Bulk").
LIST replies are untrusted: at most `MAX_FOLDERS` are read, and a line that does not parse is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["COMMON_JUNK_NAMES", "MAX_FOLDERS", "Folder", "find_junk", "parse_list"]

MAX_FOLDERS = 2000
COMMON_JUNK_NAMES = (
    "Junk",
    "Spam",
    "[Gmail]/Spam",
    "[Google Mail]/Spam",
    "Junk Email",
    "Junk E-mail",
    "Bulk",
    "Bulk Mail",
    "INBOX.Junk",
    "INBOX.Spam",
    "INBOX/Junk",
    "INBOX/Spam",
)
_LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\)\s+(?P<delimiter>"(?:[^"\\]|\\.)*"|NIL)\s+(?P<name>.*)', re.S | re.I)


@dataclass(frozen=True, slots=True)
class Folder:
    """One folder as LIST named it (modified UTF-7, as it must be sent back) with its flags, lower-cased."""

    name: str
    flags: frozenset[str]


def _unquote(raw: bytes) -> str:
    text = raw.decode("ascii", "replace").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def parse_list(lines: Iterable[bytes | tuple[bytes, bytes] | None]) -> tuple[Folder, ...]:
    """The folders of imaplib's LIST data (a name sent as a literal arrives as a (prefix, name) pair)."""
    folders: list[Folder] = []
    for line in lines:
        if len(folders) >= MAX_FOLDERS:
            break
        if isinstance(line, tuple):
            prefix, literal = line
            match = _LIST_LINE.match(prefix)
            name = literal.decode("ascii", "replace") if match else ""
        elif isinstance(line, bytes):
            match = _LIST_LINE.match(line)
            name = _unquote(match.group("name")) if match else ""
        else:
            continue
        if match and name:
            flags = frozenset(flag.lower() for flag in match.group("flags").decode("ascii", "replace").split())
            folders.append(Folder(name, flags))
    return tuple(folders)


def find_junk(folders: Sequence[Folder]) -> str | None:
    """The spam folder's name: flagged `\\Junk`, else the first common name (any letter case), else None."""
    for folder in folders:
        if "\\junk" in folder.flags and "\\noselect" not in folder.flags:
            return folder.name
    by_name = {folder.name.lower(): folder for folder in folders if "\\noselect" not in folder.flags}
    for common in COMMON_JUNK_NAMES:
        if common.lower() in by_name:
            return by_name[common.lower()].name
    return None
