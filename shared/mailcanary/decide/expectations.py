"""The SES events each expected outcome is made of (`mailcanary.ses.simulator.expected_fate` tells the outcome
from the address alone): which events must arrive, and for a bounce its type, subtype and status. Anything
else SES reports is a finding.
https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
"""

from __future__ import annotations

from dataclasses import dataclass

from mailcanary.ses.events import BounceSubType, BounceType, EventType
from mailcanary.ses.simulator import ExpectedFate

__all__ = ["Expectation", "expectation_for"]


@dataclass(frozen=True, slots=True)
class Expectation:
    """The SES events one recipient must produce, and for a bounce its type, subtype and status."""

    outcome: ExpectedFate
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


_EXPECTATIONS: dict[ExpectedFate, Expectation] = {
    ExpectedFate.DELIVERY: Expectation(ExpectedFate.DELIVERY, frozenset({EventType.DELIVERY})),
    # The simulator's hard bounce: SES reports a permanent, general bounce with the DSN status 5.1.1.
    ExpectedFate.BOUNCE: Expectation(
        ExpectedFate.BOUNCE,
        frozenset({EventType.BOUNCE}),
        BounceType.PERMANENT,
        BounceSubType.GENERAL,
        "5.1.1",
    ),
    # The simulator delivers, then the recipient "complains"; both events must arrive.
    ExpectedFate.COMPLAINT: Expectation(ExpectedFate.COMPLAINT, frozenset({EventType.DELIVERY, EventType.COMPLAINT})),
    # SES itself refuses the send because the address is on its global suppression list.
    ExpectedFate.SUPPRESSED: Expectation(
        ExpectedFate.SUPPRESSED,
        frozenset({EventType.BOUNCE}),
        BounceType.PERMANENT,
        BounceSubType.ON_ACCOUNT_SUPPRESSION_LIST,
    ),
}


def expectation_for(outcome: ExpectedFate) -> Expectation:
    """The events and bounce details that make up `outcome`."""
    return _EXPECTATIONS[outcome]
