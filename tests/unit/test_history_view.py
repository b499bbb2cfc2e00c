"""A round as `mailcanary history` shows it: latencies from the record, the JSON view, the text, the times."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from mailcanary.cli.history import parse_moment
from mailcanary.core.checks import CanaryState, Check, PathKind
from mailcanary.history import history_document, path_latencies, render_history
from mailcanary.ses.events import EventType, RecipientStatus
from mailcanary.store import CanaryRecord, FailedCheck, ObservedEvent, PathRecord, new_canary, new_path

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _delivery(key: str, seconds: float) -> ObservedEvent:
    return ObservedEvent(
        key=key,
        event_type=EventType.DELIVERY,
        timestamp=T0 + timedelta(seconds=seconds),
        destination=("a@example.com",),
        recipients=(RecipientStatus("a@example.com", "2.0.0"),),
    )


def _round() -> tuple[CanaryRecord, PathRecord]:
    sent = new_path(
        "c1",
        "api",
        PathKind.API,
        "ses-api:us-east-1",
        deadline=T0 + timedelta(minutes=15),
        envelope=["a@example.com"],
        ses_message_id="m-1",
        sent_at=T0 + timedelta(milliseconds=250),
    )
    sent = replace(sent, events=(_delivery("e2", 4.25), _delivery("e1", 2.0)), state=CanaryState.PASSED)
    unsent = new_path("c1", "smtp:lab", PathKind.SMTP, "lab", deadline=T0 + timedelta(minutes=15))
    unsent = replace(
        unsent,
        state=CanaryState.FAILED,
        failed_checks=(FailedCheck(Check.SMTP_TRANSPORT, "failed at auth: 535 5.7.8 AUTH PLAIN c2VjcmV0"),),
    )
    canary = replace(new_canary("c1", [sent, unsent], created_at=T0), state=CanaryState.FAILED)
    return canary, sent


def test_given_a_sent_path_with_deliveries_when_latencies_are_read_then_send_and_last_delivery() -> None:
    canary, sent = _round()
    # Then send runs from the round's start to the handover, delivery from the handover to the LAST Delivery
    assert path_latencies(canary, sent) == {"send": 250.0, "delivery": 4000.0, "arrival": None}


def test_given_a_path_never_sent_when_latencies_are_read_then_none_measured() -> None:
    canary, _ = _round()
    unsent = canary.paths[1]
    assert path_latencies(canary, unsent) == {"send": None, "delivery": None, "arrival": None}


def test_given_a_failed_round_when_rendered_then_the_check_its_evidence_redacted_and_the_events_grouped() -> None:
    canary, _ = _round()
    document = history_document([canary], source={"table": "t"}, artifact_bucket="bucket")
    text = render_history(document)
    lines = text.splitlines()
    assert lines[0] == "2026-03-02 09:00:00Z  c1  FAILED  artifacts s3://bucket/2026/03/02/c1/"
    assert "  api       passed   send 250 ms, delivery 4000 ms, arrival -  (ses-api:us-east-1)" in lines
    assert "    SES events: Delivery x2 09:00:04 (2 rcpt)" in lines
    # And the AUTH argument in the evidence is masked by the one redaction, in the text and the JSON alike
    assert "    FAIL smtp.transport: failed at auth: 535 5.7.8 AUTH PLAIN *****" in lines
    assert "c2VjcmV0" not in str(document)
    assert lines[-1] == "1 round: 1 failed"


def test_given_no_rounds_when_rendered_then_one_line_saying_so() -> None:
    assert render_history(history_document([], source={})) == "no rounds in the window asked for"


NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-03-02T09:00", datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),  # no zone: UTC
        ("2026-03-02T09:00:00Z", datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        ("2026-03-02T10:00+01:00", datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=1)))),
        ("2026-03-02", datetime(2026, 3, 2, tzinfo=UTC)),
        ("90s", NOW - timedelta(seconds=90)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2h", NOW - timedelta(hours=2)),
        ("7d", NOW - timedelta(days=7)),
    ],
)
def test_given_a_time_or_an_age_when_parsed_then_an_aware_moment(text: str, moment: datetime) -> None:
    assert parse_moment(text, now=NOW) == moment


@pytest.mark.parametrize("text", ["yesterday", "2h ago", "-3d", "2026-13-01", "1w", ""])
def test_given_something_else_when_parsed_then_a_usage_error(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="not a time"):
        parse_moment(text, now=NOW)
