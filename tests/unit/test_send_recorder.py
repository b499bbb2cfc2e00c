"""The send recorder hands store failures back to the round and keeps sends before decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mailcanary.core.checks import CanaryState
from mailcanary.round.recorder import SendRecorder
from mailcanary.store import PathKind, SentMessage, StoreError, new_path

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
PATH = new_path("c1", "smtp:a", PathKind.SMTP, "a", deadline=NOW, envelope=["rcpt@example.com"])


class RecordingStore:
    """Stands in for CanaryStore: remembers every call in order, and fails record_sends when told to."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[str, Any]] = []

    def record_sends(self, sends: list[SentMessage]) -> None:
        self.calls.append(("record_sends", [sent.ses_message_id for sent in sends]))
        if self.fail:
            raise StoreError("table unavailable")

    def decide_path(self, canary_id: str, name: str, state: CanaryState, checks: Any, *, now: datetime) -> None:
        self.calls.append(("decide_path", (name, state)))


def test_given_sends_and_a_decision_when_the_round_ends_then_sends_are_recorded_before_the_decision() -> None:
    store = RecordingStore()
    # Given a path sent (its record) and decided at send time
    with SendRecorder(store, "c1", lambda: NOW) as recorder:  # type: ignore[arg-type]
        recorder.submit(PATH, "ses-1", decide=("smtp:a", CanaryState.FAILED, ()))
    # Then its message id is on record before the decision is written
    assert store.calls == [("record_sends", ["ses-1"]), ("decide_path", ("smtp:a", CanaryState.FAILED))]


def test_given_the_store_fails_when_the_round_leaves_the_recorder_then_the_error_reaches_the_round() -> None:
    store = RecordingStore(fail=True)
    # Given a store that refuses the write
    with (
        pytest.raises(StoreError, match="table unavailable"),
        SendRecorder(store, "c1", lambda: NOW) as recorder,  # type: ignore[arg-type]
    ):
        recorder.submit(PATH, "ses-1", decide=("smtp:a", CanaryState.PASSED, ()))
    # Then nothing was decided on top of an unrecorded send
    assert [name for name, _ in store.calls] == ["record_sends"]
