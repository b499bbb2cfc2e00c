"""The fault lab's catalogue: every fault `mailcanary demo --fault` can inject, and the check that must catch it.

Each fault makes one part of the local lab misbehave — the SMTP endpoint, the SES API (through the fault proxy
in front of moto), the round's envelope, the SES event stream, or the relay and SES inbound a canary lands in
— and names the one stable check that has to
fail because of it. `also` lists checks that fail as a direct consequence and are therefore not a false alarm
(documented per fault); any other failed check is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from mailcanary.core.checks import Check
from mailcanary.core.errors import UsageError

__all__ = ["FAULTS", "FaultLayer", "LabFault", "parse_faults"]


class FaultLayer(StrEnum):
    """Which part of the lab a fault makes misbehave."""

    SMTP = "smtp"  # the SES-like SMTP endpoint (mailcanary.lab.faults.SmtpFault)
    API = "api"  # the SES API, answered by the fault proxy (mailcanary.lab.fault_proxy.ApiFault)
    ENVELOPE = "envelope"  # the round's own API Destinations (a console override)
    EVENTS = "events"  # the SES event stream (mailcanary.lab.ses_emulator.EventFault)
    ARRIVAL = "arrival"  # the relay and the SES inbound the canary lands in (mailcanary.lab.inbound.ArrivalFault)


@dataclass(frozen=True, slots=True)
class LabFault:
    """One injectable fault: its name, where it acts, and the check that must catch it (None: nothing may fail)."""

    name: str
    layer: FaultLayer
    expected: Check | None
    description: str
    also: frozenset[Check] = frozenset()  # checks that fail as a direct consequence (not false alarms)


def _fault(name: str, layer: FaultLayer, expected: Check | None, description: str, *also: Check) -> LabFault:
    return LabFault(name, layer, expected, description, frozenset(also))


_SMTP, _API, _ENV, _EVENTS = FaultLayer.SMTP, FaultLayer.API, FaultLayer.ENVELOPE, FaultLayer.EVENTS
_ARRIVAL = FaultLayer.ARRIVAL
_TRANSPORT = Check.SMTP_TRANSPORT

_ALL = (
    _fault("data-before-rcpt", _SMTP, Check.SMTP_SEQUENCE, "server answers 503 to DATA after an accepted RCPT"),
    _fault("rcpt-refused", _SMTP, _TRANSPORT, "every RCPT TO gets 550 5.1.1"),
    _fault(
        "rcpt-silently-dropped", _SMTP, Check.RECIPIENTS_DELIVERED, "RCPTs after the first accepted, never delivered"
    ),
    _fault("drop-during-data", _SMTP, _TRANSPORT, "server reads the message, then hangs up before the reply"),
    _fault("421-mid-session", _SMTP, _TRANSPORT, "421 to MAIL FROM, then the connection closes"),
    _fault("starttls-refused", _SMTP, _TRANSPORT, "STARTTLS advertised, then 454 4.7.0"),
    _fault("bad-certificate", _SMTP, _TRANSPORT, "certificate issued for another host name"),
    _fault("slow-banner", _SMTP, _TRANSPORT, "the 220 banner arrives after the client's banner timeout"),
    _fault("greylist-451", _SMTP, _TRANSPORT, "every RCPT TO gets 451 4.7.1 greylisted"),
    _fault("reject-after-data-554", _SMTP, _TRANSPORT, "the final dot gets 554 Message rejected"),
    _fault("auth-fail-535", _SMTP, _TRANSPORT, "every AUTH fails with 535 5.7.8"),
    _fault("throttle-454", _SMTP, _TRANSPORT, "MAIL FROM gets SES's 454 Throttling failure"),
    _fault("strip-cc-header", _SMTP, Check.RECIPIENTS_DELIVERED, "the message SES received lost its Cc header"),
    _fault("api-throttling", _API, Check.SES_API, "SendRawEmail: 400 Throttling, Maximum sending rate exceeded."),
    _fault("api-message-rejected", _API, Check.SES_API, "SendRawEmail: 400 MessageRejected"),
    _fault("api-account-paused", _API, Check.SES_API, "SendRawEmail: 400 AccountSendingPausedException"),
    _fault(
        "api-header-only-recipient",
        _ENV,
        Check.RECIPIENTS_HEADER_VS_ENVELOPE,
        "a Cc recipient in the headers is left out of the API Destinations",
    ),
    _fault("event-lost", _EVENTS, Check.LOST, "no SES event arrives; the sweeper declares the canary lost"),
    _fault("event-duplicate", _EVENTS, None, "SNS delivers every notification twice; nothing may count twice"),
    _fault("event-unexpected-bounce", _EVENTS, Check.OUTCOME_UNEXPECTED_BOUNCE, "a recipient due for Delivery bounces"),
    _fault("relay-drops-cc", _ARRIVAL, Check.DELIVERY_ENVELOPE, "the relay passes the canary on without its Cc"),
    _fault("headers-rewritten", _ARRIVAL, Check.DELIVERY_HEADERS, "the relay tags the Subject: [EXTERNAL]"),
    _fault(
        "dkim-broken-in-transit", _ARRIVAL, Check.DELIVERY_AUTHENTICATION, "a signed header changed after DKIM signing"
    ),
    _fault("arrives-late", _ARRIVAL, Check.DELIVERY_ARRIVED, "SES inbound receives the copy an hour after the send"),
    _fault("never-arrives", _ARRIVAL, Check.DELIVERY_ARRIVED, "the relay accepts the canary and never passes it on"),
    _fault("bcc-header-leaked", _ARRIVAL, Check.DELIVERY_HEADERS, "the relay writes the Bcc recipient into a header"),
    _fault(
        "bounce-to-return-path", _ARRIVAL, Check.OUTCOME_UNEXPECTED_BOUNCE, "the relay bounces it back to the sender"
    ),
)

FAULTS: Mapping[str, LabFault] = {fault.name: fault for fault in _ALL}


def parse_faults(names: Iterable[str]) -> tuple[LabFault, ...]:
    """The named faults, in the order given, each once; an unknown name is a `UsageError` listing the known ones."""
    chosen: dict[str, LabFault] = {}
    for name in names:
        fault = FAULTS.get(name.strip().lower())
        if fault is None:
            raise UsageError(f"unknown fault {name!r}; known faults: {', '.join(FAULTS)}")
        chosen.setdefault(fault.name, fault)
    return tuple(chosen.values())
