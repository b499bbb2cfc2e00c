"""What SES should report for each canary recipient, decided from its address alone.

The SES mailbox simulator answers each local part with a fixed scenario, so a canary knows in advance which
events every recipient must produce. Anything else SES reports is a finding. A recipient outside the
simulator is a real mailbox the operator chose; it is expected to be delivered.
https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mailcanary.ses.events import BounceSubType, BounceType, EventType
from mailcanary.ses.simulator import Scenario, scenario_of

__all__ = ["Expectation", "ExpectedOutcome", "expectation_for", "expected_outcome"]


class ExpectedOutcome(StrEnum):
    """The outcome one recipient must reach; stored with the canary, so the values never change."""

    DELIVERY = "delivery"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True, slots=True)
class Expectation:
    """The SES events one recipient must produce, and for a bounce its type, subtype and status."""

    outcome: ExpectedOutcome
    required: frozenset[EventType]
    bounce_type: BounceType | None = None
    bounce_subtype: BounceSubType | None = None
    status: str | None = None  # enhanced status code the bounce must carry, when the simulator fixes one

    @property
    def bounces(self) -> bool:
        """True when a Bounce is the expected outcome rather than a failure."""
        return EventType.BOUNCE in self.required

    def describe(self) -> str:
        """A short human phrase for alerts and CLI output: `Bounce Permanent/General 5.1.1`."""
        if not self.bounces:
            return " + ".join(sorted(self.required))
        parts = [EventType.BOUNCE.value, f"{self.bounce_type}/{self.bounce_subtype}"]
        return " ".join([*parts, self.status] if self.status else parts)


_EXPECTATIONS: dict[ExpectedOutcome, Expectation] = {
    ExpectedOutcome.DELIVERY: Expectation(ExpectedOutcome.DELIVERY, frozenset({EventType.DELIVERY})),
    # The simulator's hard bounce: SES reports a permanent, general bounce with the DSN status 5.1.1.
    ExpectedOutcome.BOUNCE: Expectation(
        ExpectedOutcome.BOUNCE,
        frozenset({EventType.BOUNCE}),
        BounceType.PERMANENT,
        BounceSubType.GENERAL,
        "5.1.1",
    ),
    # The simulator delivers, then the recipient "complains"; both events must arrive.
    ExpectedOutcome.COMPLAINT: Expectation(
        ExpectedOutcome.COMPLAINT, frozenset({EventType.DELIVERY, EventType.COMPLAINT})
    ),
    # SES itself refuses the send because the address is on its global suppression list.
    ExpectedOutcome.SUPPRESSED: Expectation(
        ExpectedOutcome.SUPPRESSED,
        frozenset({EventType.BOUNCE}),
        BounceType.PERMANENT,
        BounceSubType.ON_ACCOUNT_SUPPRESSION_LIST,
    ),
}

_BY_SCENARIO: dict[Scenario, ExpectedOutcome] = {
    Scenario.SUCCESS: ExpectedOutcome.DELIVERY,
    Scenario.BOUNCE: ExpectedOutcome.BOUNCE,
    # The out-of-office auto-reply goes back to the sender; SES still reports a plain Delivery.
    Scenario.OOTO: ExpectedOutcome.DELIVERY,
    Scenario.COMPLAINT: ExpectedOutcome.COMPLAINT,
    Scenario.SUPPRESSION_LIST: ExpectedOutcome.SUPPRESSED,
}


def expected_outcome(address: str) -> ExpectedOutcome:
    """The outcome SES should report for `address`: its simulator scenario, or Delivery for a real mailbox."""
    scenario = scenario_of(address)
    return ExpectedOutcome.DELIVERY if scenario is None else _BY_SCENARIO[scenario]


def expectation_for(outcome: ExpectedOutcome) -> Expectation:
    """The events and bounce details that make up `outcome`."""
    return _EXPECTATIONS[outcome]
