"""A small, real arrival judge for these tests (the production checks live in `mailcanary.arrival.checks`).

It decides the four delivery checks SES inbound can feed, from the copies alone, with the production checks'
split: arrived (a copy came, none after the deadline), headers (Message-ID, Subject, To/Cc, no Bcc, body
digest), envelope (the receiving side's recipients are exactly the path's envelope: a dropped or an added
recipient), authentication (SPF, DKIM, DMARC as the receiver reported them). Each check can fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from mailcanary.arrival.model import ArrivedMessage, AuthVerdict, ExpectedArrival
from mailcanary.bounce import BounceKind, parse_bounce
from mailcanary.core.checks import Check, Verdict
from mailcanary.recipients import normalise
from mailcanary.round.fingerprint import body_sha256

AUTH = ("spf", "dkim", "dmarc")


def bounces(raw: bytes, expected: Sequence[ExpectedArrival], *, returned_to: Sequence[str] = ()) -> tuple[Verdict, ...]:
    """`outcome.unexpected_bounce` for the path whose Message-ID the bounce returns (main's bounce parser)."""
    report = parse_bounce(raw)
    if report.kind is not BounceKind.BOUNCE or not report.original_message_id:
        return ()
    failed = [r.address for r in report.recipients if r.action == "failed"]
    return tuple(
        Verdict(Check.OUTCOME_UNEXPECTED_BOUNCE, False, each.path_name, f"bounced: {failed}")
        for each in expected
        if each.message_id == report.original_message_id.strip()
    )


def _addresses(message: EmailMessage, name: str) -> set[str]:
    header = message.get(name)
    return {normalise(address.addr_spec) for address in getattr(header, "addresses", ())}


def judge(expected: ExpectedArrival, copies: Sequence[ArrivedMessage], *, now: datetime) -> tuple[Verdict, ...]:
    path = expected.path_name
    if not copies:
        return (Verdict(Check.DELIVERY_ARRIVED, False, path, f"never arrived by {expected.deadline.isoformat()}"),)
    wanted = {normalise(address) for address in expected.envelope}
    arrived = {normalise(address) for copy in copies for address in copy.envelope_recipients}
    late = [copy.received_at.isoformat() for copy in copies if copy.received_at > expected.deadline]
    verdicts = [Verdict(Check.DELIVERY_ARRIVED, not late, path, f"late: {', '.join(late)}" if late else "in time")]

    message = BytesParser(policy=policy.default).parsebytes(copies[0].raw)
    assert isinstance(message, EmailMessage)
    changed = []
    if str(message.get("Message-ID", "")).strip() != expected.message_id:
        changed.append("Message-ID")
    if str(message.get("Subject", "")) != expected.subject:
        changed.append("Subject")
    if _addresses(message, "To") != {normalise(a) for a in expected.to}:
        changed.append("To")
    if _addresses(message, "Cc") != {normalise(a) for a in expected.cc}:
        changed.append("Cc")
    if message.get("Bcc") is not None:
        changed.append("Bcc header present")
    if body_sha256(message) != expected.body_sha256:
        changed.append("body")
    verdicts.append(Verdict(Check.DELIVERY_HEADERS, not changed, path, "changed: " + ", ".join(changed)))

    missing, extra = sorted(wanted - arrived), sorted(arrived - wanted)
    detail = f"missing {missing}, not sent to {extra}"
    verdicts.append(Verdict(Check.DELIVERY_ENVELOPE, not (missing or extra), path, detail))

    failing = sorted(
        f"{name}={copy.receiver_verdicts[name]}"
        for copy in copies
        for name in AUTH
        if copy.receiver_verdicts.get(name, AuthVerdict.PASS) is not AuthVerdict.PASS
    )
    verdicts.append(Verdict(Check.DELIVERY_AUTHENTICATION, not failing, path, ", ".join(failing) or "pass"))
    return tuple(verdicts)
