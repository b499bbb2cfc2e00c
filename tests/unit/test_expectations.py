"""Expected outcome per recipient address (mailbox-simulator semantics)."""

from __future__ import annotations

import pytest

from mailcanary.decide.expectations import expectation_for
from mailcanary.ses.events import BounceSubType, BounceType, EventType
from mailcanary.ses.simulator import ExpectedFate, Scenario, expected_fate, simulator_address


@pytest.mark.parametrize(
    ("scenario", "outcome"),
    [
        (Scenario.SUCCESS, ExpectedFate.DELIVERY),
        (Scenario.BOUNCE, ExpectedFate.BOUNCE),
        (Scenario.OOTO, ExpectedFate.DELIVERY),
        (Scenario.COMPLAINT, ExpectedFate.COMPLAINT),
        (Scenario.SUPPRESSION_LIST, ExpectedFate.SUPPRESSED),
    ],
)
def test_given_simulator_address_when_expected_then_scenario_outcome(scenario: Scenario, outcome: ExpectedFate) -> None:
    # Given a labelled simulator address / When its outcome is asked / Then it follows the scenario
    assert expected_fate(simulator_address(scenario, "c-123")) is outcome


@pytest.mark.parametrize(
    "address",
    ["ops@example.com", "success@example.com", "bounce+x@simulator.amazonses.com.evil.test", "nobody@simulator"],
)
def test_given_non_simulator_address_when_expected_then_delivery(address: str) -> None:
    assert expected_fate(address) is ExpectedFate.DELIVERY


def test_given_upper_case_simulator_address_when_expected_then_scenario_still_found() -> None:
    assert expected_fate("BOUNCE+c1@Simulator.AmazonSES.com") is ExpectedFate.BOUNCE


def test_given_bounce_outcome_when_expanded_then_permanent_general_5_1_1() -> None:
    expectation = expectation_for(ExpectedFate.BOUNCE)
    assert expectation.required == {EventType.BOUNCE}
    assert (expectation.bounce_type, expectation.bounce_subtype, expectation.status) == (
        BounceType.PERMANENT,
        BounceSubType.GENERAL,
        "5.1.1",
    )
    assert expectation.bounces
    assert expectation.describe() == "Bounce Permanent/General 5.1.1"


def test_given_suppressed_outcome_when_expanded_then_account_suppression_list_bounce() -> None:
    expectation = expectation_for(ExpectedFate.SUPPRESSED)
    assert expectation.required == {EventType.BOUNCE}
    assert expectation.bounce_subtype is BounceSubType.ON_ACCOUNT_SUPPRESSION_LIST
    assert expectation.status is None
    assert expectation.describe() == "Bounce Permanent/OnAccountSuppressionList"


def test_given_complaint_outcome_when_expanded_then_delivery_and_complaint_are_required() -> None:
    expectation = expectation_for(ExpectedFate.COMPLAINT)
    assert expectation.required == {EventType.DELIVERY, EventType.COMPLAINT}
    assert not expectation.bounces
    assert expectation.describe() == "Complaint + Delivery"


def test_given_delivery_outcome_when_expanded_then_only_delivery() -> None:
    expectation = expectation_for(ExpectedFate.DELIVERY)
    assert expectation.required == {EventType.DELIVERY}
    assert expectation.bounce_type is None
    assert expectation.describe() == "Delivery"


def test_given_every_outcome_when_expanded_then_each_has_an_expectation() -> None:
    assert {expectation_for(outcome).outcome for outcome in ExpectedFate} == set(ExpectedFate)
