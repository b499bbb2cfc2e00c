"""The IMAP receiver against a real mailbox: canaries sent through the lab Postfix, read back over IMAPS or STARTTLS
from the lab Dovecot (inbox and spam folders), deleted or moved once read, bounded per poll; and against scripted
servers for what Dovecot will not do (no STARTTLS, no greeting, a password echoed back)."""

from __future__ import annotations

import imaplib
import logging
import smtplib
import socket
import ssl
import time

import pytest
from imap_lab import DovecotLab, poll_until
from scripted_imap import capabilities, mailbox_with_one_message, scripted_imap

from mailcanary.arrival.imap import (
    AfterRead,
    ImapAuthError,
    ImapMailbox,
    ImapPlaintextRefusedError,
    ImapProtocolError,
    ImapReceiver,
    ImapTimeoutError,
    ImapTls,
    ImapTlsError,
    SkipReason,
)
from mailcanary.arrival.model import CANARY_HEADER, Placement, ReceiverKind
from mailcanary.core.secret import Secret
from mailcanary.message import new_canary_id

pytestmark = pytest.mark.postfix


def _soon(seconds: float = 10.0) -> float:
    return time.monotonic() + seconds


def _count(lab: DovecotLab, folder: str, canary_id: str, user: str = "canary") -> int:
    """Messages of `canary_id` left in `folder`, counted with plain imaplib (not the code under test)."""
    context = ssl.create_default_context(cafile=lab.ca_file)
    with imaplib.IMAP4_SSL(lab.host, lab.imaps_port, ssl_context=context, timeout=10) as imap:
        imap.login(user, lab.passwords[user])
        imap.select(folder, readonly=True)
        _, data = imap.uid("SEARCH", "HEADER", CANARY_HEADER, canary_id)
        return len(data[0].split())


def test_given_a_canary_in_inbox_and_junk_when_polled_over_imaps_then_both_copies_are_read_and_deleted(
    dovecot_lab: DovecotLab,
) -> None:
    # Given one canary delivered by Postfix to the inbox (plus-addressed) and to the \Junk folder
    canary_id = new_canary_id()
    inbox_address, junk_address = dovecot_lab.address(f"canary+{canary_id}"), dovecot_lab.address("canary-junk")
    dovecot_lab.send([inbox_address, junk_address], canary_id)
    receiver = ImapReceiver(dovecot_lab.mailbox())
    # When polled over IMAPS with the lab CA
    copies = poll_until(receiver, canary_id, 2)
    # Then both copies were read, each with its folder's placement and the recipient the MTA delivered it to
    assert {(copy.placement, copy.envelope_recipients) for copy in copies} == {
        (Placement.INBOX, (inbox_address,)),
        (Placement.SPAM, (junk_address,)),
    }
    assert all(copy.receiver is ReceiverKind.IMAP for copy in copies)
    assert all(f"{CANARY_HEADER}: {canary_id}".encode() in copy.raw for copy in copies)
    assert {copy.location.split(";")[0] for copy in copies} == {
        f"imaps://{dovecot_lab.host}:{dovecot_lab.imaps_port}/INBOX",
        f"imaps://{dovecot_lab.host}:{dovecot_lab.imaps_port}/Junk",
    }
    # And they are gone from the mailbox: the next poll (with no deadline at all) finds nothing
    assert len(receiver.fetch([canary_id], deadline=float("inf"))) == 0
    assert _count(dovecot_lab, "INBOX", canary_id) == _count(dovecot_lab, "Junk", canary_id) == 0


def test_given_a_spam_folder_without_special_use_when_polled_with_starttls_then_it_is_found_by_name(
    dovecot_lab: DovecotLab,
) -> None:
    # Given a user whose spam folder is a plain "Spam" (no SPECIAL-USE flag), a canary in it and in the inbox
    canary_id = dovecot_lab.send([dovecot_lab.address("spam"), dovecot_lab.address("spam-spam")])
    receiver = ImapReceiver(dovecot_lab.mailbox("spam", tls=ImapTls.STARTTLS))
    # When polled over IMAP upgraded with STARTTLS
    copies = poll_until(receiver, canary_id, 2)
    # Then "Spam" was searched as the spam folder
    assert sorted(copy.placement for copy in copies) == [Placement.INBOX, Placement.SPAM]
    assert any(copy.location.startswith("imap://") and "/Spam;" in copy.location for copy in copies)


def test_given_move_after_read_when_polled_then_the_copy_is_moved_not_deleted(dovecot_lab: DovecotLab) -> None:
    # Given a canary in the inbox and a receiver that moves what it read to "Read"
    canary_id = dovecot_lab.send([dovecot_lab.address("canary")])
    receiver = ImapReceiver(dovecot_lab.mailbox(after_read=AfterRead.MOVE, move_to="Read"))
    # When polled
    copies = poll_until(receiver, canary_id, 1)
    # Then the copy left the inbox for the "Read" folder
    assert len(copies) == 1
    assert _count(dovecot_lab, "INBOX", canary_id) == 0
    assert _count(dovecot_lab, "Read", canary_id) == 1


def test_given_more_copies_than_the_bound_when_polled_then_the_rest_waits_for_the_next_poll(
    dovecot_lab: DovecotLab,
) -> None:
    # Given five copies of one canary in the inbox (five plus-addressed recipients), all delivered
    canary_id = new_canary_id()
    dovecot_lab.send([dovecot_lab.address(f"canary+{n}") for n in range(5)], canary_id)
    watcher = ImapReceiver(dovecot_lab.mailbox(after_read=AfterRead.KEEP))
    for _ in range(100):
        if len(watcher.fetch([canary_id], deadline=_soon())) == 5:
            break
        time.sleep(0.2)
    # When polled by a receiver that reads at most two messages per poll
    bounded = ImapReceiver(dovecot_lab.mailbox(max_messages=2))
    first = bounded.fetch([canary_id], deadline=_soon())
    # Then it read two, said that three wait, and left them in the mailbox for the next polls
    assert len(first) == 2
    assert first.more
    assert [each.reason for each in first.skipped] == [SkipReason.OVER_MESSAGE_LIMIT] * 3
    assert _count(dovecot_lab, "INBOX", canary_id) == 3
    later = [len(bounded.fetch([canary_id], deadline=_soon())) for _ in range(3)]
    assert later == [2, 1, 0]


def test_given_a_copy_over_the_byte_bound_when_polled_then_it_is_reported_too_large_and_left(
    dovecot_lab: DovecotLab,
) -> None:
    # Given a canary in the inbox and a receiver whose bound is 200 bytes (a canary is about 1 KiB)
    canary_id = dovecot_lab.send([dovecot_lab.address("canary")])
    small = ImapReceiver(dovecot_lab.mailbox(max_bytes=200))
    poll_until(ImapReceiver(dovecot_lab.mailbox(after_read=AfterRead.KEEP)), canary_id, 1)
    # When polled
    result = small.fetch([canary_id], deadline=_soon())
    # Then nothing was read: the copy is reported too large, with its size, and stays in the mailbox
    assert len(result) == 0
    assert [(each.reason, each.size > 200) for each in result.skipped] == [(SkipReason.TOO_LARGE, True)]
    assert _count(dovecot_lab, "INBOX", canary_id) == 1
    assert len(poll_until(ImapReceiver(dovecot_lab.mailbox()), canary_id, 1)) == 1  # tidy up


def test_given_a_wrong_password_when_polled_then_login_fails_typed_and_the_password_shows_nowhere(
    dovecot_lab: DovecotLab, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the canary user with a wrong password
    wrong = "Wr0ng-" + dovecot_lab.passwords["canary"][::-1]
    mailbox = ImapMailbox(
        dovecot_lab.host, "canary", Secret(wrong), port=dovecot_lab.imaps_port, ca_file=dovecot_lab.ca_file
    )
    # When polled
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ImapAuthError) as raised:
        ImapReceiver(mailbox).fetch([new_canary_id()], deadline=_soon())
    # Then the login failure is typed, and neither the error, the logs nor the output holds the password
    shown = str(raised.value) + repr(raised.value) + caplog.text + "".join(capsys.readouterr()) + repr(mailbox)
    assert "refused" in str(raised.value)
    assert wrong not in shown
    assert wrong.lower() not in shown.lower()


def test_given_a_server_echoing_the_password_when_login_fails_then_the_error_masks_it(
    dovecot_lab: DovecotLab, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a TLS server (the lab certificate) that answers LOGIN by repeating the command, password included
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain("/var/lib/mailcanary-imap/tls/server.pem", "/var/lib/mailcanary-imap/tls/server.key")
    greet = capabilities("AUTH=PLAIN")

    def echo(command: str, tag: str) -> list[str]:
        return [f"{tag} NO you sent {command}"] if command.upper().startswith("LOGIN") else greet(command, tag)

    password = "s3cret-Echoed-Pw"
    caplog.set_level(logging.DEBUG)
    with scripted_imap("* OK ready", echo, tls=tls) as server:
        mailbox = ImapMailbox("localhost", "canary", Secret(password), port=server.port, ca_file=dovecot_lab.ca_file)
        # When polled
        with pytest.raises(ImapAuthError) as raised:
            ImapReceiver(mailbox).fetch([new_canary_id()], deadline=_soon())
    # Then the server did receive the password (inside TLS) but the error shows only the mask
    assert any(password in line for line in server.received)
    assert password not in str(raised.value) + caplog.text
    assert "*****" in str(raised.value)


def test_given_an_untrusted_certificate_when_polled_then_tls_fails_before_any_login(dovecot_lab: DovecotLab) -> None:
    # Given a receiver that trusts only an unrelated CA
    mailbox = dovecot_lab.mailbox(ca_file=dovecot_lab.other_ca_file)
    # When polled; Then certificate verification fails, as a TLS error
    with pytest.raises(ImapTlsError, match="certificate verify failed"):
        ImapReceiver(mailbox).fetch([new_canary_id()], deadline=_soon())


def test_given_a_host_name_the_certificate_does_not_name_when_polled_then_tls_fails(dovecot_lab: DovecotLab) -> None:
    # Given the machine's own name, when it resolves to loopback (the lab certificate names localhost, 127.0.0.1)
    name = socket.gethostname()
    try:
        loopback = socket.gethostbyname(name).startswith("127.")
    except OSError:
        loopback = False
    if not loopback or name == "localhost":
        pytest.skip(f"the host name {name!r} does not resolve to loopback here")
    mailbox = ImapMailbox(
        name, "canary", Secret("unused-pass"), port=dovecot_lab.imaps_port, ca_file=dovecot_lab.ca_file
    )
    # When polled; Then the host name check fails as a TLS error, before any login
    with pytest.raises(ImapTlsError, match="certificate verify failed"):
        ImapReceiver(mailbox).fetch([new_canary_id()], deadline=_soon())


def test_given_a_server_without_starttls_when_polled_then_the_password_is_never_sent() -> None:
    # Given a plain-text server that offers no STARTTLS
    with scripted_imap("* OK ready", capabilities("AUTH=PLAIN", "LOGIN")) as server:
        mailbox = ImapMailbox("127.0.0.1", "canary", Secret("never-in-clear"), port=server.port, tls=ImapTls.STARTTLS)
        # When polled
        with pytest.raises(ImapPlaintextRefusedError):
            ImapReceiver(mailbox).fetch([new_canary_id()], deadline=_soon())
    # Then no LOGIN or AUTHENTICATE reached it, and nothing it received holds the password
    assert not any(line.split(" ")[1:2] in (["LOGIN"], ["AUTHENTICATE"]) for line in server.received)
    assert not any("never-in-clear" in line for line in server.received)


def test_given_a_server_that_never_greets_when_polled_then_the_deadline_ends_it_typed() -> None:
    # Given a server that accepts the connection and says nothing
    with scripted_imap(None, capabilities()) as server:
        mailbox = ImapMailbox("127.0.0.1", "canary", Secret("unused-pass"), port=server.port, tls=ImapTls.STARTTLS)
        # When polled with a deadline one second away; Then the poll ends with a typed timeout, not a hang
        with pytest.raises(ImapTimeoutError):
            ImapReceiver(mailbox).fetch([new_canary_id()], deadline=_soon(1.0))


def test_given_a_copy_that_only_contains_the_id_when_polled_then_it_is_not_taken_for_the_canary(
    dovecot_lab: DovecotLab,
) -> None:
    # Given a canary whose id is a prefix of another canary's id (IMAP SEARCH HEADER matches substrings)
    longer = new_canary_id()
    dovecot_lab.send([dovecot_lab.address("canary")], longer)
    poll_until(ImapReceiver(dovecot_lab.mailbox(after_read=AfterRead.KEEP)), longer, 1)
    # When the shorter id is polled for
    result = ImapReceiver(dovecot_lab.mailbox()).fetch([longer[:-3]], deadline=_soon())
    # Then the longer one's copy is not returned, and is left for its own canary
    assert len(result) == 0
    assert [each.reason for each in result.skipped] == [SkipReason.HEADER_MISMATCH]
    assert len(poll_until(ImapReceiver(dovecot_lab.mailbox()), longer, 1)) == 1


def test_given_canaries_when_polled_for_any_then_they_stay_until_disposed_of(dovecot_lab: DovecotLab) -> None:
    # Given two canaries in the inbox, and a message without the canary header
    first, second = dovecot_lab.send([dovecot_lab.address("canary")]), dovecot_lab.send([dovecot_lab.address("canary")])
    with smtplib.SMTP(dovecot_lab.smtp.host, dovecot_lab.smtp.port, timeout=10) as client:
        client.sendmail("x@localhost", [dovecot_lab.address("canary")], b"Subject: not a canary\r\n\r\nhello\r\n")
    for canary_id in (first, second):
        poll_until(ImapReceiver(dovecot_lab.mailbox(after_read=AfterRead.KEEP)), canary_id, 1)
    receiver = ImapReceiver(dovecot_lab.mailbox(max_messages=1000))
    # When every canary is polled for
    result = receiver.fetch_any(deadline=_soon())
    # Then both were read (whatever else the mailbox holds), and they are still there until disposed of
    ids = {copy.raw.split(f"{CANARY_HEADER}: ".encode(), 1)[1].split(b"\r\n", 1)[0].decode() for copy in result}
    assert {first, second} <= ids
    assert _count(dovecot_lab, "INBOX", first) == 1
    assert receiver.dispose(result, deadline=_soon()) == len(result)
    assert _count(dovecot_lab, "INBOX", first) == _count(dovecot_lab, "INBOX", second) == 0


def test_given_a_server_that_drips_its_greeting_when_polled_then_the_watchdog_ends_it_at_the_deadline() -> None:
    # Given a server that sends its greeting a byte every half second (each read gets a byte: no read times out)
    with scripted_imap("* OK a greeting long enough to outlast the poll", capabilities(), drip=0.5) as server:
        mailbox = ImapMailbox("127.0.0.1", "canary", Secret("unused-pass"), port=server.port, tls=ImapTls.STARTTLS)
        # When polled with a deadline one second away; Then the deadline ends the poll as a typed timeout
        with pytest.raises(ImapTimeoutError):
            ImapReceiver(mailbox).fetch([new_canary_id()], deadline=_soon(1.0))


def test_given_a_server_announcing_a_huge_message_when_fetched_then_the_session_ends_before_reading_it(
    dovecot_lab: DovecotLab,
) -> None:
    # Given a TLS server whose FETCH reply announces a literal of almost a gigabyte
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain("/var/lib/mailcanary-imap/tls/server.pem", "/var/lib/mailcanary-imap/tls/server.key")
    huge = mailbox_with_one_message("* 1 FETCH (UID 1 RFC822.SIZE 10 BODY[]<0> {999999999}")
    with scripted_imap("* OK ready", huge, tls=tls) as server:
        mailbox = ImapMailbox("localhost", "canary", Secret("any-pass"), port=server.port, ca_file=dovecot_lab.ca_file)
        # When polled; Then a protocol error names the bound, and nothing of that size was read
        with pytest.raises(ImapProtocolError, match="over the bound"):
            ImapReceiver(mailbox).fetch([new_canary_id()], deadline=_soon())
