"""outcomes.evaluate on SES reports carrying addresses the standard parser cannot read: a typed failure, no raise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mailcanary.core.checks import CanaryState, Check
from mailcanary.decide.evaluate import evaluate
from mailcanary.recipients import RecipientAddressError, normalise
from mailcanary.ses.events import EventType, RecipientStatus
from mailcanary.ses.simulator import Scenario, simulator_address
from mailcanary.store import ObservedEvent, PathKind, new_path

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUCCESS = simulator_address(Scenario.SUCCESS, "c1")
BOUNCE = simulator_address(Scenario.BOUNCE, "c1")
POISON = "(" * 1000  # the stdlib parser recurses once per nested comment: RecursionError


def _delivery(destination: tuple[str, ...], *rcpts: str) -> ObservedEvent:
    return ObservedEvent(
        key="Delivery#" + "/".join(rcpts),
        event_type=EventType.DELIVERY,
        timestamp=T0,
        destination=destination,
        recipients=tuple(RecipientStatus(rcpt, "2.0.0") for rcpt in rcpts),
    )


@pytest.mark.parametrize(
    "event",
    [
        _delivery((SUCCESS, BOUNCE, POISON), SUCCESS),  # in mail.destination
        _delivery((SUCCESS, BOUNCE), SUCCESS, POISON + "x@example.com"),  # in the delivery's recipients
    ],
    ids=["destination", "recipients"],
)
def test_given_an_unparsable_address_in_ses_report_when_evaluated_then_the_path_fails_recipients_delivered(
    event: ObservedEvent,
) -> None:
    # Given a path to two recipients, only one of which SES has reported on, with a poisoned address in the report
    path = replace(
        new_path("c1", "api", PathKind.API, "ses", deadline=T0 + timedelta(minutes=15), envelope=(SUCCESS, BOUNCE)),
        events=(event,),
    )
    # When it is evaluated
    verdict = evaluate(path)
    # Then it is complete (nothing SES says can be compared any more) and failed with one clear, bounded detail
    assert verdict.state is CanaryState.FAILED
    assert [failed.check for failed in verdict.failed] == [Check.RECIPIENTS_DELIVERED]
    [failed] = verdict.failed
    assert "cannot be parsed" in failed.detail
    assert "(1000 characters)" in failed.detail or "(1013 characters)" in failed.detail
    assert len(failed.detail) < 200


def test_given_an_unparsable_address_when_normalised_then_a_typed_error_not_a_recursion_error() -> None:
    # Given the poisoned address; When normalised by the one normaliser; Then a typed error, never RecursionError
    with pytest.raises(RecipientAddressError):
        normalise(" " + POISON + " ")
