"""How long a round may spend sending, so that it always records, emits metrics, alerts and returns in time.

Every SMTP stage has its own timeout, but a session has many stages and one server can use each of them to the
full: connect 5 s + banner 10 s + eight commands at 10 s + the final dot 30 s is more than the canary function's
120 s. A round therefore has one budget for its sends, below the time the function has left: the Lambda
context's remaining time less a reserve for what follows the sends (records, settling, metrics, alerts), or
`DEFAULT_SECONDS` outside Lambda. Every SMTP session ends by the budget's end (`send_canary(not_after=...)`),
and a path that has still not returned a little after it is decided failed without it (`OVERRUN_GRACE_SECONDS`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

__all__ = [
    "AFTER_SENDS_RESERVE_SECONDS",
    "DEFAULT_SECONDS",
    "MIN_SECONDS",
    "OVERRUN_GRACE_SECONDS",
    "PathClaims",
    "RoundBudget",
    "round_budget",
]

DEFAULT_SECONDS = 90.0  # outside Lambda (the lab, scripts): well under the canary function's Timeout (120 s)
AFTER_SENDS_RESERVE_SECONDS = 15.0  # records, settling, metrics and alerts after the last send
MIN_SECONDS = 1.0  # even an invocation with almost no time left tries its paths, briefly
OVERRUN_GRACE_SECONDS = 5.0  # past the budget's end, a path still running is decided without it


@dataclass(frozen=True, slots=True)
class RoundBudget:
    """The sends' budget: how many seconds, and the `time.monotonic()` instant they end at."""

    seconds: float
    not_after: float

    def left(self) -> float:
        """Seconds until the budget's end (0 once it has passed)."""
        return max(0.0, self.not_after - time.monotonic())


def round_budget(remaining_seconds: float | None) -> RoundBudget:
    """The budget of a round starting now, given the seconds the invocation has left (None outside Lambda)."""
    if remaining_seconds is None:
        seconds = DEFAULT_SECONDS
    else:
        seconds = max(MIN_SECONDS, remaining_seconds - AFTER_SENDS_RESERVE_SECONDS)
    return RoundBudget(seconds, time.monotonic() + seconds)


class PathClaims:
    """Which paths finish in their own thread: those that return before the round stops waiting for them.

    A path's thread `claim`s its path once sent; the round `close`s the claims when it stops waiting, and decides
    the unclaimed paths itself. The lock makes each path decided exactly once, by one side or the other.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed = False
        self._claimed: set[str] = set()

    def claim(self, name: str) -> bool:
        """A path's thread asks to record its own outcome: yes, unless the round already decided it."""
        with self._lock:
            if not self._closed:
                self._claimed.add(name)
            return not self._closed

    def close(self, names: list[str]) -> frozenset[str]:
        """No more claims; which of `names` were never claimed (still running: the round decides them)."""
        with self._lock:
            self._closed = True
            return frozenset(names) - self._claimed
