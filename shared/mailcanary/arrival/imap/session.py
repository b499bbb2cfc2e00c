"""One bounded IMAP session on stdlib `imaplib`: connect with TLS, log in, and the few commands a poll needs.

Bounds: every reply waits at most the mailbox's command timeout and never past the poll's deadline, and a watchdog
shuts the socket at the deadline so a server that drips bytes cannot hold the poll; a literal larger than the
message bound (plus slack) ends the session instead of filling memory. The password is sent only inside TLS; with
STARTTLS not offered the login is refused (`ImapPlaintextRefusedError`). Every error text passes the one redaction.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from mailcanary.arrival.imap.errors import (
    ImapAuthError,
    ImapConnectError,
    ImapError,
    ImapPlaintextRefusedError,
    ImapProtocolError,
    ImapTimeoutError,
    ImapTlsError,
)
from mailcanary.arrival.imap.folders import Folder, parse_list
from mailcanary.arrival.imap.mailbox import ImapMailbox, ImapTls
from mailcanary.arrival.imap.transport import ImplicitTlsImap, PlainImap, Watchdog
from mailcanary.core.redaction import redact_text

__all__ = ["Fetched", "ImapSession", "quote"]

_T = TypeVar("_T")
_LITERAL_SLACK = 64 * 1024  # a FETCH reply's other items beside the message bytes
_MIN_WAIT = 0.05
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')


@dataclass(frozen=True, slots=True)
class Fetched:
    """One message as fetched: its UID, its size as the server reported it, when it arrived, and at most the
    bound's bytes plus one (more than the bound means "too large")."""

    uid: int
    size: int
    internal_date: datetime | None
    raw: bytes


def quote(name: str) -> str:
    """A folder name or search value as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapSession:
    """A logged-in IMAP session to one mailbox, bounded by `deadline` (time.monotonic())."""

    def __init__(self, mailbox: ImapMailbox, *, deadline: float) -> None:
        self.mailbox = mailbox
        self.deadline = deadline
        self._forms = mailbox.forms()
        self._watchdog = Watchdog(deadline)
        self._imap: imaplib.IMAP4 | None = None
        self.capabilities: frozenset[str] = frozenset()

    def __enter__(self) -> ImapSession:
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _wait(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ImapTimeoutError(f"{self.mailbox.address}: the poll's deadline passed")
        return max(_MIN_WAIT, min(self.mailbox.command_timeout, remaining))

    def _error(self, kind: type[ImapError], text: str) -> ImapError:
        return kind(redact_text(f"{self.mailbox.address}: {text}", self._forms))

    def _open(self) -> None:
        mailbox, context = self.mailbox, self.mailbox.ssl_context()
        max_literal = mailbox.max_bytes + 1 + _LITERAL_SLACK
        try:
            if mailbox.tls is ImapTls.IMPLICIT:
                self._imap = ImplicitTlsImap(
                    mailbox.host, mailbox.port, self._wait(), self._watchdog, max_literal, context
                )
            else:
                self._imap = PlainImap(mailbox.host, mailbox.port, self._wait(), self._watchdog, max_literal)
                self._starttls(context)
        except ssl.SSLError as exc:  # certificate, host name, handshake (SSLCertVerificationError is one)
            raise self._error(ImapTlsError, f"TLS failed: {exc}") from None
        except ImapError:
            raise
        except (TimeoutError, imaplib.IMAP4.error, OSError) as exc:
            raise self._translate(exc, ImapConnectError, "connect") from None
        self._login()

    def _starttls(self, context: ssl.SSLContext) -> None:
        imap = self._imap
        assert imap is not None
        if "STARTTLS" not in imap.capabilities:
            raise self._error(ImapPlaintextRefusedError, "STARTTLS not offered: the password is never sent in clear")
        imap.sock.settimeout(self._wait())
        try:
            imap.starttls(context)
        except imaplib.IMAP4.error as exc:
            raise self._error(ImapTlsError, f"STARTTLS refused: {exc}") from None

    def _login(self) -> None:
        imap = self._imap
        assert imap is not None
        if not isinstance(imap.sock, ssl.SSLSocket):  # belt and braces: every path above ends in TLS or raises
            raise self._error(ImapPlaintextRefusedError, "not encrypted: the password is never sent in clear")
        # imaplib quotes the password but sends the username as it is: quoted here, so a name with a space or a
        # quote is one argument (control characters and non-ASCII are refused by ImapMailbox).
        self._call("login", ImapAuthError, imap.login, quote(self.mailbox.username), self.mailbox.password.reveal())
        reply = self._call("capability", ImapProtocolError, imap.capability)
        words = b" ".join(part for part in reply if isinstance(part, bytes)).decode("ascii", "replace").upper()
        self.capabilities = frozenset(words.split())

    def _translate(self, exc: BaseException, kind: type[ImapError], stage: str) -> ImapError:
        if self._watchdog.fired or isinstance(exc, TimeoutError):
            return self._error(ImapTimeoutError, f"{stage}: no answer before the deadline")
        refused = getattr(self._imap, "refused_literal", 0)
        if refused:
            bound = self.mailbox.max_bytes
            return self._error(
                ImapProtocolError, f"{stage}: the server announced {refused} bytes, over the bound {bound}"
            )
        if isinstance(exc, imaplib.IMAP4.abort | OSError):
            return self._error(ImapConnectError, f"{stage}: connection lost: {exc}")
        return self._error(kind, f"{stage} refused: {_text(exc)}")

    def _call(self, stage: str, kind: type[ImapError], command: Callable[..., tuple[str, Any]], *args: Any) -> Any:
        """Run one imaplib command within the bounds; its data on OK, a typed error otherwise."""
        imap = self._imap
        assert imap is not None
        try:
            imap.sock.settimeout(self._wait())
            status, data = command(*args)
        except (TimeoutError, imaplib.IMAP4.error, OSError) as exc:
            raise self._translate(exc, kind, stage) from None
        if status != "OK":
            raise self._error(kind, f"{stage} refused: {status} {_text(data)}")
        return data

    def folders(self) -> tuple[Folder, ...]:
        """Every folder LIST reports (at most `folders.MAX_FOLDERS`)."""
        assert self._imap is not None
        return parse_list(self._call("list", ImapProtocolError, self._imap.list, '""', "*"))

    def select(self, folder: str, *, readonly: bool) -> None:
        assert self._imap is not None
        self._call(f"select {folder}", ImapProtocolError, self._imap.select, quote(folder), readonly)

    def search_header(self, header: str, value: str) -> list[int]:
        """UIDs of messages in the selected folder whose `header` contains `value` (IMAP's substring match)."""
        assert self._imap is not None
        data = self._call("search", ImapProtocolError, self._imap.uid, "SEARCH", "HEADER", header, quote(value))
        words = b" ".join(part for part in data if isinstance(part, bytes)).split()
        return sorted({int(word) for word in words if word.isdigit()})

    def fetch(self, uid: int, max_bytes: int) -> Fetched | None:
        """One message's UID, size, INTERNALDATE and first `max_bytes + 1` bytes; None when it is gone."""
        assert self._imap is not None
        items = f"(UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.{max_bytes + 1}>)"
        data = self._call("fetch", ImapProtocolError, self._imap.uid, "FETCH", str(uid), items)
        meta, raw = b"", b""
        for part in data:
            if isinstance(part, tuple):
                meta, raw = meta + part[0], part[1]
            elif isinstance(part, bytes):
                meta += part
        size, found_uid = _SIZE.search(meta), _UID.search(meta)
        if size is None or found_uid is None or int(found_uid.group(1)) != uid:
            return None
        return Fetched(uid, int(size.group(1)), _internal_date(meta), raw[: max_bytes + 1])

    def delete(self, uids: Sequence[int]) -> None:
        """Flag `uids` deleted and expunge them (only them where the server has UIDPLUS)."""
        assert self._imap is not None
        if not uids:
            return
        uid_set = ",".join(map(str, uids))
        self._call("store", ImapProtocolError, self._imap.uid, "STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
        if "UIDPLUS" in self.capabilities:
            self._call("expunge", ImapProtocolError, self._imap.uid, "EXPUNGE", uid_set)
        else:
            self._call("expunge", ImapProtocolError, self._imap.expunge)

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Move `uids` to `folder` (MOVE where offered, else COPY then delete)."""
        assert self._imap is not None
        if not uids:
            return
        uid_set = ",".join(map(str, uids))
        if "MOVE" in self.capabilities:
            self._call("move", ImapProtocolError, self._imap.uid, "MOVE", uid_set, quote(folder))
            return
        self._call("copy", ImapProtocolError, self._imap.uid, "COPY", uid_set, quote(folder))
        self.delete(uids)

    def close(self) -> None:
        """Log out (within two seconds and the deadline) and release the socket; never raises.

        The watchdog stops first: once imaplib closes the socket its descriptor may be reused elsewhere.
        """
        imap, self._imap = self._imap, None
        self._watchdog.stop()
        if imap is None or getattr(imap, "sock", None) is None:
            return
        try:
            imap.sock.settimeout(max(_MIN_WAIT, min(2.0, self.deadline - time.monotonic())))
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            with contextlib.suppress(OSError):
                imap.shutdown()


def _internal_date(meta: bytes) -> datetime | None:
    match = _INTERNALDATE.search(meta)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1).decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z").astimezone(UTC)
    except (UnicodeDecodeError, ValueError):
        return None


def _text(value: object) -> str:
    """A server's reply as text: imaplib hands replies over as bytes, or as the repr of bytes inside an error."""
    if isinstance(value, list):
        return " ".join(_text(each) for each in value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    text = str(value)
    return text[2:-1] if len(text) >= 3 and text[:2] in ("b'", 'b"') and text[-1] == text[1] else text
