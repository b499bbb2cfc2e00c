"""outcomes.evaluate (pure) and idempotency.event_key: one path's verdict from the events recorded on it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mailcanary.core.checks import CanaryState, Check
from mailcanary.decide.evaluate import evaluate
from mailcanary.decide.idempotency import event_key
from mailcanary.ses.events import BounceSubType, BounceType, EventType, RecipientStatus, SesEventSummary
from mailcanary.ses.simulator import Scenario, simulator_address
from mailcanary.store import ObservedEvent, PathKind, PathRecord, new_path

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUCCESS = simulator_address(Scenario.SUCCESS, "c1")
BOUNCE = simulator_address(Scenario.BOUNCE, "c1")
COMPLAINT = simulator_address(Scenario.COMPLAINT, "c1")


def _path(*envelope: str, events: tuple[ObservedEvent, ...] = ()) -> PathRecord:
    path = new_path("c1", "api", PathKind.API, "ses", deadline=T0 + timedelta(minutes=15), envelope=envelope)
    return replace(path, events=events)


def _event(
    event_type: EventType,
    *rcpts: str,
    destination: tuple[str, ...] | None = None,
    bounce: tuple[BounceType, BounceSubType] | None = None,
    status: str | None = None,
) -> ObservedEvent:
    return ObservedEvent(
        key=f"{event_type}#{'/'.join(rcpts)}",
        event_type=event_type,
        timestamp=T0,
        destination=destination if destination is not None else rcpts,
        recipients=tuple(RecipientStatus(rcpt, status) for rcpt in rcpts),
        bounce_type=bounce[0] if bounce else None,
        bounce_subtype=bounce[1] if bounce else None,
    )


def test_given_no_events_when_evaluated_then_pending_and_waiting_names_each_recipient() -> None:
    verdict = evaluate(_path(SUCCESS, COMPLAINT))
    assert verdict.state is CanaryState.PENDING
    assert verdict.waiting == (f"{COMPLAINT}: no Complaint + Delivery yet", f"{SUCCESS}: no Delivery yet")


def test_given_expected_bounce_and_delivery_when_evaluated_then_passed() -> None:
    events = (
        _event(EventType.DELIVERY, SUCCESS, destination=(SUCCESS, BOUNCE)),
        _event(
            EventType.BOUNCE,
            BOUNCE,
            destination=(SUCCESS, BOUNCE),
            bounce=(BounceType.PERMANENT, BounceSubType.GENERAL),
            status="5.1.1",
        ),
    )
    verdict = evaluate(_path(SUCCESS, BOUNCE, events=events))
    assert (verdict.state, verdict.failed) == (CanaryState.PASSED, ())


def test_given_bounce_with_wrong_status_when_evaluated_then_unexpected_bounce() -> None:
    events = (_event(EventType.BOUNCE, BOUNCE, bounce=(BounceType.PERMANENT, BounceSubType.GENERAL), status="5.7.1"),)
    verdict = evaluate(_path(BOUNCE, events=events))
    assert verdict.state is CanaryState.FAILED
    assert [failed.check for failed in verdict.failed] == [Check.OUTCOME_UNEXPECTED_BOUNCE]
    assert (
        "expected Bounce Permanent/General 5.1.1, SES reported Bounce Permanent/General 5.7.1"
        in verdict.failed[0].detail
    )


def test_given_complaint_before_delivery_when_evaluated_then_still_waiting_for_delivery() -> None:
    verdict = evaluate(_path(COMPLAINT, events=(_event(EventType.COMPLAINT, COMPLAINT),)))
    assert verdict.waiting == (f"{COMPLAINT}: no Delivery yet",)


def test_given_one_unexpected_bounce_and_one_recipient_waiting_when_evaluated_then_waits_for_all() -> None:
    events = (
        _event(
            EventType.BOUNCE,
            SUCCESS,
            destination=(SUCCESS, COMPLAINT),
            bounce=(BounceType.TRANSIENT, BounceSubType.GENERAL),
        ),
    )
    verdict = evaluate(_path(SUCCESS, COMPLAINT, events=events))
    assert verdict.state is CanaryState.PENDING
    assert [failed.check for failed in verdict.failed] == [Check.OUTCOME_UNEXPECTED_BOUNCE]


def test_given_send_and_delay_only_when_evaluated_then_pending_without_failure() -> None:
    events = (_event(EventType.SEND, destination=(SUCCESS,)), _event(EventType.DELIVERY_DELAY, SUCCESS))
    verdict = evaluate(_path(SUCCESS, events=events))
    assert (verdict.state, verdict.failed) == (CanaryState.PENDING, ())


def test_given_event_about_a_recipient_outside_the_envelope_when_evaluated_then_recipients_delivered() -> None:
    events = (_event(EventType.DELIVERY, SUCCESS, "bcc@example.com", destination=(SUCCESS,)),)
    verdict = evaluate(_path(SUCCESS, events=events))
    assert [failed.check for failed in verdict.failed] == [Check.RECIPIENTS_DELIVERED]
    assert "bcc@example.com" in verdict.failed[0].detail


def _upper_domain(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.upper()}"


def test_given_differently_cased_domains_and_a_display_name_when_evaluated_then_they_match() -> None:
    # Given SES reporting the recipient with an upper-cased domain, and a display name in mail.destination
    reported = _upper_domain(SUCCESS)
    events = (_event(EventType.DELIVERY, reported, destination=(f"Canary <{reported}>",)),)
    # When evaluated; Then the domain's case and the display name do not matter
    assert evaluate(_path(SUCCESS, events=events)).state is CanaryState.PASSED


def test_given_a_differently_cased_local_part_when_evaluated_then_it_is_another_recipient() -> None:
    # Given SES reporting the recipient with its local part upper-cased (local parts are case-sensitive)
    local, _, domain = SUCCESS.rpartition("@")
    other = f"{local.upper()}@{domain}"
    events = (_event(EventType.DELIVERY, other, destination=(other,)),)
    # When evaluated
    verdict = evaluate(_path(SUCCESS, events=events))
    # Then, as at send time (recipients.header_vs_envelope), it is not the recipient the canary sent to
    assert [failed.check for failed in verdict.failed] == [Check.RECIPIENTS_DELIVERED]


def _summary(**changes: object) -> SesEventSummary:
    base: dict[str, object] = {
        "event_type": EventType.DELIVERY,
        "message_id": "m1",
        "timestamp": T0,
        "destination": (SUCCESS,),
        "recipients": (RecipientStatus(SUCCESS, "2.0.0"),),
    }
    return SesEventSummary(**{**base, **changes})  # type: ignore[arg-type]


def test_given_same_event_twice_when_keyed_then_keys_are_equal() -> None:
    assert event_key(_summary()) == event_key(_summary())
    assert event_key(_summary()).startswith("m1#Delivery#")


def test_given_events_differing_in_time_or_recipient_when_keyed_then_keys_differ() -> None:
    keys = {
        event_key(_summary()),
        event_key(_summary(timestamp=T0 + timedelta(seconds=1))),
        event_key(_summary(recipients=(RecipientStatus(BOUNCE, "2.0.0"),))),
        event_key(_summary(event_type=EventType.DELIVERY_DELAY)),
        event_key(_summary(message_id="m2")),
    }
    assert len(keys) == 5


def test_given_feedback_id_when_keyed_then_it_is_the_identity() -> None:
    first = _summary(event_type=EventType.BOUNCE, feedback_id="fb-1")
    later_copy = _summary(event_type=EventType.BOUNCE, feedback_id="fb-1", timestamp=None)
    assert event_key(first) == event_key(later_copy) == "m1#Bounce#fb-1"
