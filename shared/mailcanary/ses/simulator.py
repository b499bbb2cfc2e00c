"""The SES mailbox simulator: its addresses, with a `+label` carrying the canary id, and what each one does.

Sending to the simulator is billed like any send but never touches a real mailbox or your reputation. Each
local part answers with a fixed scenario, so a canary knows in advance the outcome every recipient must reach;
a recipient outside the simulator is a real mailbox the operator chose, expected to be delivered.
https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SIMULATOR_DOMAIN", "ExpectedFate", "Scenario", "expected_fate", "scenario_of", "simulator_address"]

SIMULATOR_DOMAIN = "simulator.amazonses.com"


class ExpectedFate(StrEnum):
    """What must become of one recipient (delivered, bounced, complained about, suppressed): the simulator's
    answer to its address, stored with the canary, so the values never change."""

    DELIVERY = "delivery"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    SUPPRESSED = "suppressed"


class Scenario(StrEnum):
    """The mailbox-simulator scenarios, named by their local part."""

    SUCCESS = "success"
    BOUNCE = "bounce"
    OOTO = "ooto"
    COMPLAINT = "complaint"
    SUPPRESSION_LIST = "suppressionlist"


def simulator_address(scenario: Scenario, label: str) -> str:
    """`success+<label>@simulator.amazonses.com`; the label (the canary id) ties events back to the run."""
    if not label or any(ch in label for ch in '@+ \t\r\n<>"(),;:\\[]'):
        raise ValueError(f"a simulator label must be a plain atom, got {label!r}")
    return f"{scenario.value}+{label}@{SIMULATOR_DOMAIN}"


def scenario_of(address: str) -> Scenario | None:
    """The scenario an address asks the simulator for, or None when it is not a simulator address."""
    local, _, domain = address.strip().rpartition("@")
    if domain.lower() != SIMULATOR_DOMAIN:
        return None
    base = local.split("+", 1)[0].lower()
    try:
        return Scenario(base)
    except ValueError:
        return None


_BY_SCENARIO: dict[Scenario, ExpectedFate] = {
    Scenario.SUCCESS: ExpectedFate.DELIVERY,
    Scenario.BOUNCE: ExpectedFate.BOUNCE,
    # The out-of-office auto-reply goes back to the sender; SES still reports a plain Delivery.
    Scenario.OOTO: ExpectedFate.DELIVERY,
    Scenario.COMPLAINT: ExpectedFate.COMPLAINT,
    Scenario.SUPPRESSION_LIST: ExpectedFate.SUPPRESSED,
}


def expected_fate(address: str) -> ExpectedFate:
    """The outcome SES should report for `address`: its simulator scenario, or Delivery for a real mailbox."""
    scenario = scenario_of(address)
    return ExpectedFate.DELIVERY if scenario is None else _BY_SCENARIO[scenario]
