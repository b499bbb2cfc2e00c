"""Waiting for a canary's copies in one receiver: poll until the expected number arrived or the deadline passed.

Bounded in time (the deadline, `time.monotonic()`) and in polls (`MAX_POLLS`); between polls it sleeps the
interval or what is left of the deadline, whichever is shorter. A receiver error ends the wait (the caller reports
the stage that failed); the IMAP receiver deletes what it read only once every folder was read, so a copy is
never both deleted and lost to the error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mailcanary.arrival.model import ArrivedMessage, Receiver

__all__ = ["MAX_POLLS", "Progress", "Waited", "wait_for_copies"]

MAX_POLLS = 10_000


@dataclass(frozen=True, slots=True)
class Progress:
    """What the waiting has seen so far: shown as a progress line."""

    polls: int
    arrived: int
    expected: int
    elapsed: float
    timeout: float


@dataclass(frozen=True, slots=True)
class Waited:
    """The copies read while waiting, how many polls it took, and whether all expected copies arrived."""

    copies: tuple[ArrivedMessage, ...]
    polls: int
    elapsed: float
    complete: bool


def wait_for_copies(
    receiver: Receiver,
    canary_id: str,
    *,
    expected: int,
    deadline: float,
    interval: float = 2.0,
    on_poll: Callable[[Progress], None] = lambda _: None,
    sleep: Callable[[float], None] = time.sleep,
) -> Waited:
    """Poll `receiver` for `canary_id` until `expected` copies were read or `deadline` passed."""
    started = time.monotonic()
    timeout = max(0.0, deadline - started)
    copies: list[ArrivedMessage] = []
    polls = 0
    while polls < MAX_POLLS:
        batch: Sequence[ArrivedMessage] = receiver.fetch([canary_id], deadline=deadline)
        polls += 1
        copies.extend(batch)
        now = time.monotonic()
        on_poll(Progress(polls, len(copies), expected, now - started, timeout))
        left = deadline - now
        if len(copies) >= expected or left <= 0:
            break
        sleep(min(interval, left))
        if deadline - time.monotonic() <= 0:
            break
    return Waited(tuple(copies), polls, time.monotonic() - started, len(copies) >= expected)
