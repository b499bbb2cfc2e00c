"""The IMAP receiver's pure parts: folder lists, the spam folder's choice, the copy's recipient, settings, waiting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

import pytest

from mailcanary.arrival.imap import AfterRead, ImapConfigError, ImapMailbox, ImapTls
from mailcanary.arrival.imap.folders import MAX_FOLDERS, Folder, find_junk, parse_list
from mailcanary.arrival.imap.receiver import _arrival_time, envelope_recipients
from mailcanary.arrival.model import ArrivedMessage, ReceiverKind
from mailcanary.arrival.wait import MAX_POLLS, Progress, wait_for_copies
from mailcanary.core.secret import Secret


def test_given_list_replies_when_parsed_then_names_flags_quotes_and_literals_are_read() -> None:
    # Given LIST data as imaplib returns it: atoms, quoted names with escapes, a literal name, NIL delimiter, junk
    lines: list[bytes | tuple[bytes, bytes] | None] = [
        b'(\\HasNoChildren \\Junk) "/" Junk',
        b'(\\HasNoChildren) "/" "Junk Email"',
        b'(\\Noselect) "/" "[Gmail]"',
        b'(\\HasNoChildren) NIL "say \\"hi\\""',
        (b'(\\HasNoChildren) "/" {5}', b"Spam!"),
        b"garbage",
        None,
    ]
    # When parsed
    folders = parse_list(lines)
    # Then each folder is named as it must be sent back, with lower-cased flags; garbage is skipped
    assert [folder.name for folder in folders] == ["Junk", "Junk Email", "[Gmail]", 'say "hi"', "Spam!"]
    assert folders[0].flags == frozenset({"\\hasnochildren", "\\junk"})


def test_given_a_huge_list_when_parsed_then_at_most_the_bound_is_read() -> None:
    assert len(parse_list([b'() "/" F%d' % n for n in range(MAX_FOLDERS + 50)])) == MAX_FOLDERS


@pytest.mark.parametrize(
    ("folders", "expected"),
    [
        ([Folder("INBOX", frozenset()), Folder("Bulk", frozenset({"\\junk"}))], "Bulk"),  # SPECIAL-USE wins
        ([Folder("Spam", frozenset()), Folder("Odd", frozenset({"\\junk"}))], "Odd"),
        ([Folder("INBOX", frozenset()), Folder("[Gmail]/Spam", frozenset())], "[Gmail]/Spam"),
        ([Folder("junk e-mail", frozenset())], "junk e-mail"),  # any letter case
        ([Folder("Spam", frozenset({"\\noselect"}))], None),  # a folder that cannot be selected is no spam folder
        ([Folder("INBOX", frozenset()), Folder("Archive", frozenset())], None),
    ],
)
def test_given_folders_when_the_spam_folder_is_chosen_then_special_use_first_then_common_names(
    folders: list[Folder], expected: str | None
) -> None:
    assert find_junk(folders) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (b"X-Original-To: a+1@x.test\r\nDelivered-To: box@x.test\r\n", ("a+1@x.test",)),  # the RCPT TO as given
        (b"Delivered-To: Box <box@x.test>\r\nDelivered-To: earlier@y.test\r\n", ("box@x.test",)),  # topmost only
        (b"To: a@x.test\r\n", ()),
        (b"X-Original-To: \r\nDelivered-To: d@x.test\r\n", ("d@x.test",)),
    ],
)
def test_given_delivery_headers_when_read_then_the_topmost_receiving_side_recipient_is_taken(
    headers: bytes, expected: tuple[str, ...]
) -> None:
    parsed = BytesHeaderParser(policy=compat32).parsebytes(headers + b"\r\nbody")
    assert envelope_recipients(parsed) == expected


@pytest.mark.parametrize(
    "overrides",
    [
        {"after_read": AfterRead.MOVE},  # move without a folder
        {"move_to": "Read"},  # a folder without move
        {"max_messages": 0},
        {"max_bytes": 0},
        {"port": 70000},
        {"command_timeout": 0},
        {"junk": "Bad\r\nFolder"},
        {"move_to": "Pos\u00e9", "after_read": AfterRead.MOVE},
        {"username": "user\r\nA1 DELETE INBOX"},
        {"password": Secret("pw\r\nA1 LOGOUT")},
        {"password": Secret("p\u00e4sswort")},
    ],
)
def test_given_invalid_mailbox_settings_when_made_then_a_config_error_is_raised(overrides: dict[str, object]) -> None:
    settings = {"username": "user", "password": Secret("pw-value")} | overrides
    with pytest.raises(ImapConfigError):
        ImapMailbox("imap.example.com", **settings)  # type: ignore[arg-type]


def test_given_mailbox_settings_when_made_then_ports_default_by_tls_and_the_password_stays_hidden() -> None:
    implicit = ImapMailbox("imap.example.com", "user", Secret("Hidden-Pw-1"))
    starttls = ImapMailbox("imap.example.com", "user", Secret("Hidden-Pw-1"), tls=ImapTls.STARTTLS)
    assert (implicit.port, implicit.address) == (993, "imaps://imap.example.com:993")
    assert (starttls.port, starttls.address) == (143, "imap://imap.example.com:143")
    assert "Hidden-Pw-1" not in repr(implicit)


class _Arrivals:
    """A receiver whose copies arrive one per poll, up to `total`."""

    kind = ReceiverKind.IMAP

    def __init__(self, total: int) -> None:
        self.total, self.polls = total, 0

    def fetch(self, canary_ids: Sequence[str], *, deadline: float) -> Sequence[ArrivedMessage]:
        self.polls += 1
        if self.polls > self.total:
            return ()
        return (ArrivedMessage(raw=b"x", receiver=ReceiverKind.IMAP, received_at=datetime.now(UTC)),)


def test_given_copies_arriving_one_per_poll_when_waited_for_then_it_stops_once_all_arrived() -> None:
    # Given a receiver that yields one copy per poll, and a wait for three
    receiver, seen, slept = _Arrivals(5), [], []
    # When waited for with a far deadline
    waited = wait_for_copies(
        receiver, "abc", expected=3, deadline=float("inf"), on_poll=seen.append, sleep=slept.append
    )
    # Then it polled three times, reported progress each time, and stopped complete
    assert (len(waited.copies), waited.polls, waited.complete) == (3, 3, True)
    assert [progress.arrived for progress in seen] == [1, 2, 3]
    assert all(isinstance(progress, Progress) for progress in seen)
    assert len(slept) == 2


def test_given_copies_that_never_arrive_when_waited_for_then_the_deadline_or_the_poll_bound_ends_it() -> None:
    # Given a receiver that never yields; When waited for with a past deadline
    waited = wait_for_copies(_Arrivals(0), "abc", expected=1, deadline=0.0, sleep=lambda _: None)
    # Then one poll, incomplete
    assert (waited.polls, waited.complete) == (1, False)
    # And with an endless deadline the poll bound ends it
    endless = wait_for_copies(_Arrivals(0), "abc", expected=1, deadline=float("inf"), sleep=lambda _: None)
    assert (endless.polls, endless.complete) == (MAX_POLLS, False)


def test_given_an_internaldate_when_the_arrival_time_is_taken_then_the_end_of_its_second_never_after_reading() -> None:
    # Given INTERNALDATE 12:00:05 (whole seconds)
    internal = datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC)
    # Then arrival is the last instant of that second, unless the copy was read earlier than that; without one, read
    assert _arrival_time(internal, datetime(2026, 1, 1, 12, 1, tzinfo=UTC)) == internal.replace(microsecond=999_999)
    read = datetime(2026, 1, 1, 12, 0, 5, 300_000, tzinfo=UTC)
    assert _arrival_time(internal, read) == read
    assert _arrival_time(None, read) == read
