"""The Lambda event boundary, driven by the events/ folder (the same files the console and sam local use)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailcanary.config.events import RoundOverrides, parse_canary_event
from mailcanary.config.settings import Settings, SmtpTargetConfig
from mailcanary.core.errors import UsageError
from mailcanary.round.plan import plan_round
from mailcanary.ses.events import SesEventSummary, parse_sns_lambda_event

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"

# Every file in events/ and what its boundary parser must make of it. A new file without a row fails below.
EXPECTED_EVENT_TYPE = {
    "ses_events/sns-delivery.json": "Delivery",
    "ses_events/sns-bounce.json": "Bounce",
    "ses_events/sns-complaint.json": "Complaint",
    "ses_events/sns-reject.json": "Reject",
    "ses_events/sns-delivery-delay.json": "DeliveryDelay",
}
CANARY_TRIGGER = {
    "canary/scheduled.json": "schedule",
    "canary/console-overrides.json": "console",
    "canary/console-envelope.json": "console",
}
SWEEPER_EVENTS = {"sweeper/scheduled.json"}
IMAP_POLL_EVENTS = {"imap_poll/scheduled.json"}  # invoked in tests/functional/imap/test_imap_poll.py
ARRIVAL_EVENTS = {"arrival/sns-received.json": "d6iitobk75ur44p8kdnnp7g2n800"}  # -> the SES inbound message id


def load(relative: str) -> Any:
    return json.loads((EVENTS / relative).read_text())


def test_given_the_events_folder_when_listed_then_every_file_has_a_test_case() -> None:
    on_disk = {str(path.relative_to(EVENTS)) for path in EVENTS.rglob("*.json")}
    expected = set(EXPECTED_EVENT_TYPE) | set(CANARY_TRIGGER) | SWEEPER_EVENTS | IMAP_POLL_EVENTS | set(ARRIVAL_EVENTS)
    assert on_disk == expected


@pytest.mark.parametrize(("relative", "ses_message_id"), sorted(ARRIVAL_EVENTS.items()))
def test_given_an_sns_wrapped_received_notification_when_parsed_then_the_receipt_comes_out(
    relative: str, ses_message_id: str
) -> None:
    from mailcanary.arrival.ses_inbound import ReceivedNotification, parse_received_sns_event

    # Given the arrival function's sample event; When parsed as that function parses it
    (received,) = parse_received_sns_event(load(relative))
    # Then it is the receipt, naming the stored message
    assert isinstance(received, ReceivedNotification)
    assert (received.ses_message_id, received.bucket, received.key) == (ses_message_id, "my-S3-bucket", "email")


@pytest.mark.parametrize(("relative", "event_type"), sorted(EXPECTED_EVENT_TYPE.items()))
def test_given_an_sns_wrapped_ses_event_when_parsed_then_the_record_comes_out(relative: str, event_type: str) -> None:
    # Given an SNS delivery whose Message is JSON text, as SNS sends it
    event = load(relative)
    assert isinstance(event["Records"][0]["Sns"]["Message"], str)
    # When parsed as the SES-events function parses it
    (summary,) = parse_sns_lambda_event(event)
    # Then the SES record comes out with its type and SES message id
    assert isinstance(summary, SesEventSummary)
    assert summary.raw_event_type == event_type
    assert summary.message_id


@pytest.mark.parametrize(("relative", "trigger"), sorted(CANARY_TRIGGER.items()))
def test_given_a_canary_event_file_when_parsed_then_its_trigger_is_known(relative: str, trigger: str) -> None:
    assert parse_canary_event(load(relative)).trigger == trigger


def test_given_the_console_event_when_parsed_then_every_override_is_carried() -> None:
    overrides = parse_canary_event(load("canary/console-overrides.json"))
    assert overrides.paths == frozenset({"api", "smtp"})
    assert overrides.recipients is not None
    assert overrides.recipients.bcc == ("bounce+console@simulator.amazonses.com",)
    assert overrides.targets == ("ses-smtp",)
    assert overrides.conformance is True


def test_given_the_envelope_console_event_when_parsed_then_the_api_destinations_differ_from_the_headers() -> None:
    overrides = parse_canary_event(load("canary/console-envelope.json"))
    assert overrides.paths == frozenset({"api"})
    assert overrides.envelope == ("success+console@simulator.amazonses.com",)
    assert overrides.recipients is not None
    assert overrides.recipients.cc == ("ooto+console@simulator.amazonses.com",)  # in the headers, not the envelope


def test_given_an_empty_envelope_override_when_parsed_then_usage_error() -> None:
    with pytest.raises(UsageError, match="envelope"):
        parse_canary_event({"envelope": []})


def test_given_an_empty_console_event_when_parsed_then_a_default_round() -> None:
    overrides = parse_canary_event({})
    assert (overrides.trigger, overrides.paths, overrides.recipients) == ("console", None, None)
    assert overrides.targets is None


def test_given_an_ad_hoc_target_when_parsed_then_it_is_a_target_model_without_auth() -> None:
    # Given a console event naming a host of its own, without saying anything about AUTH
    # When parsed
    overrides = parse_canary_event({"targets": [{"name": "relay", "host": "127.0.0.1", "port": 2525, "tls": "none"}]})
    # Then it is a target that never authenticates (a configured target's `auth` defaults to true)
    assert overrides.targets == (SmtpTargetConfig(name="relay", host="127.0.0.1", port=2525, tls="none", auth=False),)


@pytest.mark.parametrize("auth", [True, "yes", 1])
def test_given_an_ad_hoc_target_asking_for_auth_when_parsed_then_refused_with_a_usage_error(auth: object) -> None:
    # Given a console event that points a round at its own host and asks for the deployment's credentials
    event = {"targets": ["ses-smtp", {"name": "mine", "host": "198.51.100.7", "auth": auth}]}
    # When parsed
    # Then it is refused, naming the target and the reason
    with pytest.raises(UsageError, match=r"targets\[1\]: an ad-hoc SMTP target never receives"):
        parse_canary_event(event)


def test_given_ad_hoc_targets_built_in_code_with_auth_when_planned_then_refused() -> None:
    # Given overrides built without the event model, with an ad-hoc target that authenticates
    target = SmtpTargetConfig(name="mine", host="198.51.100.7", auth=True)
    overrides = RoundOverrides(trigger="console", targets=(target,))
    # When the round is planned
    # Then it is refused before anything is sent
    with pytest.raises(UsageError, match="never receives the deployment's SMTP credentials"):
        plan_round(Settings(), overrides, "c-1")


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"path": ["api"]}, "path"),  # typo of "paths" must not run a default round silently
        ({"paths": ["ftp"]}, "paths.0"),
        ({"paths": []}, "paths"),
        ({"conformance": "maybe"}, "conformance"),
        ({"source": "aws.s3", "detail-type": "Object Created"}, "source"),
    ],
)
def test_given_a_bad_canary_event_when_parsed_then_usage_error_names_the_field(
    event: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        parse_canary_event(event)


def test_given_the_sweeper_event_when_read_then_it_is_a_scheduled_event() -> None:
    # The sweeper ignores its event's content; the file exists for the console and sam local invoke.
    (relative,) = SWEEPER_EVENTS
    event = load(relative)
    assert (event["source"], event["detail-type"]) == ("aws.events", "Scheduled Event")
