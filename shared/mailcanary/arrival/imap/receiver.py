"""The IMAP receiver: one bounded poll of the inbox and the spam folder for canaries, by their own header.

A poll logs in, searches each folder for `HEADER X-Mailcanary-Id <id>` (a substring match on the server, so every
copy's header is checked for the exact id here), reads at most `max_messages` copies of at most `max_bytes` each,
then deletes or moves what it read. What a bound held back is in the result (`PollResult.skipped`, `.more`), never
an exception and never a wait. Copies read from the spam folder are `Placement.SPAM`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from enum import StrEnum
from typing import overload

from mailcanary.arrival.imap.errors import ImapConfigError
from mailcanary.arrival.imap.folders import find_junk
from mailcanary.arrival.imap.mailbox import AfterRead, ImapMailbox
from mailcanary.arrival.imap.session import Fetched, ImapSession
from mailcanary.arrival.model import CANARY_HEADER, ArrivedMessage, Placement, ReceiverKind
from mailcanary.core.redaction import redact_text

__all__ = ["MAX_CANARY_IDS", "ImapReceiver", "PollResult", "SkipReason", "Skipped", "envelope_recipients"]

_log = logging.getLogger(__name__)
MAX_CANARY_IDS = 100  # canaries one poll searches for (one SEARCH per id and folder)
_LAST_INSTANT_OF_SECOND = timedelta(seconds=1) - timedelta(microseconds=1)
_CANARY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class SkipReason(StrEnum):
    """Why a copy found by the search was not read."""

    TOO_LARGE = "too-large"  # over the bytes-per-message bound: left in the mailbox
    OVER_MESSAGE_LIMIT = "over-message-limit"  # over the messages-per-poll bound: read by a later poll
    HEADER_MISMATCH = "header-mismatch"  # the id is in the header but the header is not exactly the id


@dataclass(frozen=True, slots=True)
class Skipped:
    """One copy a bound (or a near-miss search hit) held back, with where it is."""

    reason: SkipReason
    location: str
    size: int = 0


@dataclass(frozen=True)
class PollResult(Sequence[ArrivedMessage]):
    """The copies one poll read (a sequence of `ArrivedMessage`), and what it left and why."""

    messages: tuple[ArrivedMessage, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    folders: tuple[str, ...] = ()  # the folders searched: inbox, then the spam folder when there is one
    moved_or_deleted: int = 0
    read: tuple[tuple[str, int], ...] = ()  # (folder, UID) of each copy read, for `ImapReceiver.dispose`

    @property
    def more(self) -> bool:
        """Copies are waiting that the messages-per-poll bound held back."""
        return any(each.reason is SkipReason.OVER_MESSAGE_LIMIT for each in self.skipped)

    @overload
    def __getitem__(self, index: int) -> ArrivedMessage: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ArrivedMessage]: ...
    def __getitem__(self, index: int | slice) -> ArrivedMessage | Sequence[ArrivedMessage]:
        return self.messages[index]

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[ArrivedMessage]:
        return iter(self.messages)


def envelope_recipients(headers: object) -> tuple[str, ...]:
    """Who the receiving side delivered the copy to: the topmost `X-Original-To` (the RCPT TO the final MTA was
    given), else the topmost `Delivered-To` (Gmail adds only that). Only the topmost: the delivery agent prepends
    its own, and lower ones were added by earlier hops or written by the sender."""
    for name in ("X-Original-To", "Delivered-To"):
        values = getattr(headers, "get_all")(name) or []  # noqa: B009 - any email.message.Message
        if values:
            found = [address for _, address in getaddresses([str(values[0])]) if address]
            if found:
                return (found[0],)
    return ()


class ImapReceiver:
    """Reads canaries from one IMAP mailbox; implements `mailcanary.arrival.model.Receiver`."""

    kind = ReceiverKind.IMAP

    def __init__(
        self,
        mailbox: ImapMailbox,
        *,
        session_factory: Callable[..., ImapSession] = ImapSession,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.mailbox = mailbox
        self._session = session_factory
        self._clock = clock

    def fetch(self, canary_ids: Sequence[str], *, deadline: float) -> PollResult:
        """One poll: the copies of `canary_ids` in the inbox and the spam folder, read before `deadline`, then
        deleted or moved as the mailbox says."""
        return self._poll(_checked(canary_ids), deadline, dispose=True)

    def fetch_any(self, *, deadline: float) -> PollResult:
        """One poll for every canary's copies (any value of the canary header), left in the mailbox: the caller
        records them first, then hands the result to `dispose`, so a copy is never deleted before it is kept."""
        return self._poll(None, deadline, dispose=False)

    def dispose(self, result: PollResult, *, deadline: float) -> int:
        """Delete or move (as the mailbox says) the copies `result` read; how many."""
        if not result.read or self.mailbox.after_read is AfterRead.KEEP:
            return 0
        with self._session(self.mailbox, deadline=deadline) as session:
            return sum(self._dispose(session, folder, uids) for folder, uids in _by_folder(result.read))

    def _poll(self, ids: tuple[str, ...] | None, deadline: float, *, dispose: bool) -> PollResult:
        mailbox = self.mailbox
        read: list[tuple[str, int, ArrivedMessage]] = []
        skipped: list[Skipped] = []
        folders: list[str] = []
        disposed = 0
        with self._session(mailbox, deadline=deadline) as session:
            junk = mailbox.junk or find_junk(session.folders())
            places = [(mailbox.inbox, Placement.INBOX)] + ([(junk, Placement.SPAM)] if junk else [])
            for folder, placement in places:
                budget = mailbox.max_messages - len(read)
                copies, held = self._poll_folder(session, folder, placement, ids, budget)
                read += [(folder, uid, copy) for uid, copy in copies]
                skipped += held
                folders.append(folder)
            if dispose:  # only now: an error above leaves every copy in the mailbox
                for folder, uids in _by_folder([(folder, uid) for folder, uid, _ in read]):
                    disposed += self._dispose(session, folder, uids)
        result = PollResult(
            tuple(copy for _, _, copy in read),
            tuple(skipped),
            tuple(folders),
            disposed,
            tuple((folder, uid) for folder, uid, _ in read),
        )
        _log.info(
            "imap poll %s: %d copies read, %d held back",
            redact_text(mailbox.address),
            len(result.messages),
            len(result.skipped),
        )
        return result

    def _poll_folder(
        self, session: ImapSession, folder: str, placement: Placement, ids: tuple[str, ...] | None, budget: int
    ) -> tuple[list[tuple[int, ArrivedMessage]], list[Skipped]]:
        session.select(folder, readonly=self.mailbox.after_read is AfterRead.KEEP)
        wanted = ids if ids is not None else ("",)  # "": every message that has the header at all (RFC 3501)
        uids = sorted({uid for value in wanted for uid in session.search_header(CANARY_HEADER, value)})
        where = f"{self.mailbox.address}/{folder}"
        copies: list[tuple[int, ArrivedMessage]] = []
        skipped = [Skipped(SkipReason.OVER_MESSAGE_LIMIT, f"{where};UID={uid}") for uid in uids[max(budget, 0) :]]
        for uid in uids[: max(budget, 0)]:
            fetched = session.fetch(uid, self.mailbox.max_bytes)
            if fetched is None:
                continue  # expunged by someone else since the search
            location = f"{where};UID={uid}"
            if fetched.size > self.mailbox.max_bytes or len(fetched.raw) > self.mailbox.max_bytes:
                skipped.append(Skipped(SkipReason.TOO_LARGE, location, fetched.size))
                continue
            copy = self._arrived(fetched, placement, location, ids)
            if copy is None:
                skipped.append(Skipped(SkipReason.HEADER_MISMATCH, location, fetched.size))
            else:
                copies.append((uid, copy))
        return copies, skipped

    def _arrived(
        self, fetched: Fetched, placement: Placement, location: str, ids: tuple[str, ...] | None
    ) -> ArrivedMessage | None:
        headers = BytesHeaderParser(policy=compat32).parsebytes(fetched.raw)
        values = {str(value).strip() for value in headers.get_all(CANARY_HEADER) or []}
        if not (values & set(ids) if ids is not None else any(_CANARY_ID.fullmatch(each) for each in values)):
            return None
        return ArrivedMessage(
            raw=fetched.raw,
            receiver=ReceiverKind.IMAP,
            received_at=_arrival_time(fetched.internal_date, self._clock()),
            placement=placement,
            envelope_recipients=envelope_recipients(headers),
            location=location,
        )

    def _dispose(self, session: ImapSession, folder: str, uids: list[int]) -> int:
        if not uids or self.mailbox.after_read is AfterRead.KEEP:
            return 0
        session.select(folder, readonly=False)
        if self.mailbox.after_read is AfterRead.MOVE:
            session.move(uids, self.mailbox.move_to)
        else:
            session.delete(uids)
        return len(uids)


def _arrival_time(internal_date: datetime | None, read_at: datetime) -> datetime:
    """When the copy arrived: INTERNALDATE has whole seconds, so the last instant of its second (never later than
    the copy was read), and latency is never under-reported; without one, when it was read."""
    if internal_date is None:
        return read_at
    return min(read_at, internal_date + _LAST_INSTANT_OF_SECOND)


def _by_folder(read: Sequence[tuple[str, int]]) -> list[tuple[str, list[int]]]:
    folders: dict[str, list[int]] = {}
    for folder, uid in read:
        folders.setdefault(folder, []).append(uid)
    return list(folders.items())


def _checked(canary_ids: Sequence[str]) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(canary_ids))
    if not 0 < len(ids) <= MAX_CANARY_IDS:
        raise ImapConfigError(f"a poll searches for 1-{MAX_CANARY_IDS} canary ids, not {len(ids)}")
    for each in ids:
        if not _CANARY_ID.fullmatch(each):
            raise ImapConfigError(f"{each!r} is not a canary id")
    return ids
