"""Record each path's send as soon as it completes, without putting the store on every path's critical path.

A round's paths finish at nearly the same moment (they run in one wave). Writing each path's record from its
own thread makes 50 threads queue for the store at once; here one writer thread takes every send that
completed since its last write and records them together (`CanaryStore.record_sends`: one `BatchWriteItem`
per 25 sends instead of one call each), then decides the paths that were decided at send time.

Each send is still written right after its path completes (never held back until the round ends), because
SES may publish that message's events within seconds, and an event whose message id the store does not know
yet cannot be matched to its canary.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mailcanary.core.checks import CanaryState
from mailcanary.store import CanaryStore, FailedCheck, PathRecord, SentFingerprint

__all__ = ["SendRecorder"]


@dataclass(frozen=True, slots=True)
class _Write:
    path: PathRecord | None  # attach this send (with ses_message_id) when set
    ses_message_id: str
    sent_at: datetime
    decide: tuple[str, CanaryState, tuple[FailedCheck, ...]] | None  # then decide (path name, state, checks)
    fingerprint: SentFingerprint | None = None
    awaits_arrival: bool = False


class SendRecorder:
    """A writer thread for one canary's sends and send-time decisions; use as a context manager.

    `submit` never blocks on the store. Leaving the context waits for every submitted write and re-raises the
    first store error (as the per-path writes did), so a round never returns with a send unrecorded.
    """

    def __init__(self, store: CanaryStore, canary_id: str, now: Callable[[], datetime]) -> None:
        self._store = store
        self._canary_id = canary_id
        self._now = now
        self._queue: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="canary-recorder", daemon=True)

    def __enter__(self) -> SendRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and exc_info[0] is None:
            raise self._error

    def submit(
        self,
        path: PathRecord | None,
        ses_message_id: str = "",
        decide: tuple[str, CanaryState, tuple[FailedCheck, ...]] | None = None,
        *,
        fingerprint: SentFingerprint | None = None,
        awaits_arrival: bool = False,
    ) -> None:
        """Queue one path's send record (when `path` is given) and/or its decision; timestamped now."""
        self._queue.put(_Write(path, ses_message_id, self._now(), decide, fingerprint, awaits_arrival))

    def _run(self) -> None:
        closing = False
        while not closing:
            batch: list[_Write] = []
            item = self._queue.get()
            while item is not None:
                batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            closing = item is None
            if batch and self._error is None:
                try:
                    self._write(batch)
                except BaseException as exc:  # handed to the round's thread in __exit__
                    self._error = exc

    def _write(self, batch: list[_Write]) -> None:
        self._store.record_sends(
            [
                w.path.sent_as(w.ses_message_id, w.sent_at, w.fingerprint, awaits_arrival=w.awaits_arrival)
                for w in batch
                if w.path is not None
            ]
        )
        for write in batch:  # after the sends: a path decided at send time has its message id on record first
            if write.decide is not None:
                name, state, checks = write.decide
                self._store.decide_path(self._canary_id, name, state, checks, now=write.sent_at)
