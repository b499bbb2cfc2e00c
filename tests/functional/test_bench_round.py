"""The round benchmark's split of a round at the last SMTP session: the servers stamp their DATA replies."""

from __future__ import annotations

import smtplib
import time
from pathlib import Path

import pytest

from scripts.benchmarks import round as bench

pytestmark = pytest.mark.bench


def test_given_stamping_servers_when_a_message_is_sent_then_its_reply_is_stamped_inside_the_window(
    tmp_path: Path,
) -> None:
    # Given two slow servers in two processes that stamp their DATA replies into one file
    stamps = tmp_path / "data-replies"
    with bench.slow_servers(2, processes=2, stamps=stamps) as ports:
        # When one message goes to each, one after the other
        before = time.time()
        replies, returned = [], []
        for port in ports:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                replies.append(client.sendmail("canary@example.com", ["to@example.com"], b"Subject: x\r\n\r\nbody\r\n"))
            returned.append(time.time())
        after = time.time()
    # Then both replies are stamped, the last one after the first send had returned
    assert replies == [{}, {}]
    assert len(stamps.read_text().split()) == 2
    assert returned[0] <= bench.last_reply(stamps, before, after) <= after


def test_given_an_earlier_rounds_stamps_when_asked_for_a_later_window_then_they_are_ignored(tmp_path: Path) -> None:
    # Given stamps of an earlier round and of the later one
    stamps = tmp_path / "data-replies"
    stamps.write_text("100.000000\n150.000000\n205.500000\n210.250000\n")
    # When asked for the later round's window, Then only its replies count; an empty window is an error
    assert bench.last_reply(stamps, 200.0, 300.0) == 210.25
    assert bench.last_reply(stamps, 90.0, 160.0) == 150.0
    with pytest.raises(RuntimeError, match="no SMTP DATA reply"):
        bench.last_reply(stamps, 300.0, 400.0)
