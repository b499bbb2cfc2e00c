"""Artifact keys: dated by the time the canary id carries, one prefix per round whoever derives it; bodies bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.artifacts.keys import artifact_key, artifact_prefix, artifact_uri, canary_id_time
from mailcanary.artifacts.writer import bounded
from mailcanary.message import new_canary_id

# 2001-09-09 .. 2199-12-31, in nanoseconds since the epoch
MOMENTS = st.integers(min_value=1_000_000_000 * 10**9, max_value=7_258_000_000 * 10**9)


@given(MOMENTS)
def test_given_any_minting_time_when_an_id_is_made_then_its_time_reads_back_to_the_millisecond(ns: int) -> None:
    canary_id = new_canary_id(lambda: ns)
    assert canary_id_time(canary_id) == datetime.fromtimestamp(ns // 1_000_000 / 1000, tz=UTC)


def test_given_a_round_just_before_midnight_when_its_artifacts_are_keyed_later_then_the_same_day() -> None:
    # Given a canary minted a millisecond before midnight
    minted = datetime(2026, 3, 2, 23, 59, 59, 999000, tzinfo=UTC)
    canary_id = new_canary_id(lambda: int(minted.timestamp()) * 10**9 + 999_000_000)
    # When its SES events are keyed the next day (the send's time as the fallback)
    # Then they go under the round's day, as its summary and transcripts did
    assert artifact_prefix(canary_id, minted + timedelta(minutes=2)) == f"2026/03/02/{canary_id}/"
    assert artifact_prefix(canary_id) == f"2026/03/02/{canary_id}/"


@pytest.mark.parametrize(
    "canary_id", ["c-example", "round-001", "0000000000000000", "VVVVVVVVVVVVVVVV", "zzzzzzzzzzzzzzzz"]
)
def test_given_an_id_not_minted_here_when_dated_then_no_time_and_the_fallback_is_used(canary_id: str) -> None:
    assert canary_id_time(canary_id) is None
    assert artifact_prefix(canary_id) is None
    assert artifact_uri("b", canary_id) is None
    assert artifact_prefix(canary_id, datetime(2015, 1, 1, 23, 30, tzinfo=UTC)) == f"2015/01/01/{canary_id}/"


def test_given_a_fallback_in_another_zone_when_dated_then_the_utc_day() -> None:
    # 00:30 UTC is 19:30 the day before at UTC-5: the key says the UTC day
    west = datetime(2026, 3, 3, 0, 30, tzinfo=UTC).astimezone(timezone(timedelta(hours=-5)))
    assert artifact_prefix("c1", west) == "2026/03/03/c1/"


def test_given_path_names_and_event_keys_when_keyed_then_each_part_is_one_safe_segment() -> None:
    assert artifact_key("2026/03/02/c1/", "paths", "smtp:lab", "transcript.txt") == (
        "2026/03/02/c1/paths/smtp_lab/transcript.txt"
    )
    assert artifact_key("p/", "ses-events", "../../x", "a#b c.json") == "p/ses-events/.._.._x/a_b_c.json"
    assert artifact_key("p/", "") == "p/_"


def test_given_a_body_over_the_limit_when_bounded_then_cut_there_and_saying_how_much_was_left_out() -> None:
    body = bounded("x" * 5_000, limit=1_000)
    assert len(body) == 1_000
    assert body.endswith(b"[mailcanary: artifact cut at 1000 bytes, 4000 more not kept]\n")
    assert bounded("short", limit=1_000) == b"short"
