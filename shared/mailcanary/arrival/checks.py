"""The arrival checks of one path, each a `Verdict` under its stable name, from what the path sent and its copies.

- `delivery.arrived`: a copy arrived by the deadline and none after it (late: failed, with the latency); nothing
  by the deadline is "never arrived".
- `delivery.envelope`: the receiving side's recipients (SES `receipt.recipients`, `Delivered-To`) are exactly the
  path's envelope, compared in the one normaliser's form (`mailcanary.recipients`): a recipient dropped on the way
  or one added is named here, not under `delivery.arrived`, so one fault fails one check.
- `delivery.headers`: each copy's To and Cc as sent, no Bcc field, Message-ID and decoded Subject as sent, and the
  decoded text body's digest as sent.
- `delivery.authentication`: the receiving side's SPF, DKIM and DMARC verdicts all `pass`, and our own DKIM
  verification (`ArrivedMessage.dkim`, set by `arrival.dkim.with_own_dkim`) `pass` where it was run.
- `delivery.placement`: only for receivers with folders (IMAP): every copy in the inbox, none in spam/junk.

`judge_arrival` is pure. Before the deadline, what still may come is not judged: with no copy yet it returns no
verdict, and with recipients still missing no `delivery.envelope` verdict (`arrival_complete` says when all is in).
Arrived bytes are untrusted: an oversized or unreadable copy fails `delivery.headers` with the reason, never raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mailcanary.arrival.errors import ArrivalParseError
from mailcanary.arrival.model import (
    ArrivedMessage,
    AuthVerdict,
    DkimStatus,
    ExpectedArrival,
    Placement,
    ReceiverKind,
)
from mailcanary.arrival.reading import MessageFacts, read_message
from mailcanary.core.checks import Check, Verdict
from mailcanary.recipients import normalise_envelope

__all__ = ["MAX_COPIES", "CopyLatency", "arrival_complete", "arrival_latencies", "judge_arrival"]

MAX_COPIES = 200  # copies judged per path (50 recipients, each possibly delivered twice, and room to spare)
FOLDERED = frozenset({ReceiverKind.IMAP})  # receivers that report a folder
_AUTH_METHODS = ("spf", "dkim", "dmarc")
_SHOWN = 5  # problems named in a verdict's detail


@dataclass(frozen=True, slots=True)
class CopyLatency:
    """End-to-end latency of one copy, send to arrival (the `ArrivalLatency` metric's value)."""

    recipients: tuple[str, ...]
    milliseconds: float
    late: bool
    receiver: ReceiverKind
    location: str


def arrival_latencies(expected: ExpectedArrival, copies: Sequence[ArrivedMessage]) -> tuple[CopyLatency, ...]:
    """The latency of every copy; negative when the receiver's clock is behind the sender's (reported as is)."""
    judged = copies[:MAX_COPIES]
    return _latencies(expected, judged, [_recipients(expected, copy)[0] for copy in judged])


def _latencies(
    expected: ExpectedArrival, copies: Sequence[ArrivedMessage], recipients: Sequence[tuple[str, ...]]
) -> tuple[CopyLatency, ...]:
    return tuple(
        CopyLatency(
            recipients=addresses,
            milliseconds=(copy.received_at - expected.sent_at).total_seconds() * 1000,
            late=copy.received_at > expected.deadline,
            receiver=copy.receiver,
            location=copy.location,
        )
        for copy, addresses in zip(copies, recipients, strict=True)
    )


def arrival_complete(expected: ExpectedArrival, copies: Sequence[ArrivedMessage], *, now: datetime) -> bool:
    """True once nothing more is awaited: the deadline passed, or every envelope recipient has a copy."""
    seen = [_recipients(expected, copy) for copy in copies[:MAX_COPIES]]
    return _complete(expected, seen, now)


def _complete(expected: ExpectedArrival, seen: Sequence[_Seen], now: datetime) -> bool:
    return now >= expected.deadline or not set(expected.envelope) - {a for addresses, _ in seen for a in addresses}


def judge_arrival(expected: ExpectedArrival, copies: Sequence[ArrivedMessage], *, now: datetime) -> tuple[Verdict, ...]:
    """One verdict per delivery check that applies (placement only where the receiver has folders)."""
    judged = copies[:MAX_COPIES]
    path = expected.path_name
    if not judged:
        if now < expected.deadline:
            return ()
        detail = f"no copy arrived by the deadline {expected.deadline.isoformat()}"
        return (Verdict(Check.DELIVERY_ARRIVED, False, path, detail, expected=list(expected.envelope), observed=[]),)
    seen = [_recipients(expected, copy) for copy in judged]  # each copy's recipients, normalised once
    verdicts = [_arrived(expected, judged, seen)]
    if _complete(expected, seen, now):
        verdicts.append(_envelope(expected, judged, seen))
    verdicts += [_headers(expected, judged), _authentication(path, judged)]
    foldered = [copy for copy in judged if copy.receiver in FOLDERED]
    if foldered:
        verdicts.append(_placement(path, foldered))
    return tuple(verdicts)


_Seen = tuple[tuple[str, ...], list[str]]


def _recipients(expected: ExpectedArrival, copy: ArrivedMessage) -> _Seen:
    """The copy's recipients in the normaliser's form (spelled as on the envelope: not parsed again), and the
    entries that do not normalise."""
    known = {address: address for address in expected.envelope}
    addresses, findings = normalise_envelope(copy.envelope_recipients, where="receiver", known=known)
    return addresses, [f"{finding.address}: {finding.detail}" for finding in findings]


def _evidence(copies: Sequence[ArrivedMessage]) -> tuple[str, ...]:
    return tuple(f"{copy.receiver.value} {copy.location} at {copy.received_at.isoformat()}" for copy in copies)


def _arrived(expected: ExpectedArrival, copies: Sequence[ArrivedMessage], seen: Sequence[_Seen]) -> Verdict:
    latencies = _latencies(expected, copies, [addresses for addresses, _ in seen])
    observed = [{"recipients": list(each.recipients), "latency_ms": round(each.milliseconds)} for each in latencies]
    late = [each for each in latencies if each.late]
    slowest = max(each.milliseconds for each in latencies)
    if not late:
        detail = f"{len(copies)} copies arrived by the deadline; slowest {slowest / 1000:.1f} s after sending"
        return Verdict(Check.DELIVERY_ARRIVED, True, expected.path_name, detail, observed=observed)
    allowed = (expected.deadline - expected.sent_at).total_seconds()
    named = "; ".join(f"{', '.join(e.recipients) or e.location} after {e.milliseconds / 1000:.1f} s" for e in late)
    return Verdict(
        Check.DELIVERY_ARRIVED,
        False,
        expected.path_name,
        f"{len(late)} copies arrived late (allowed {allowed:.0f} s): {named}"[:500],
        expected=f"within {allowed:.0f} s of sending",
        observed=observed,
        evidence=_evidence([copy for copy, each in zip(copies, latencies, strict=True) if each.late]),
    )


def _envelope(expected: ExpectedArrival, copies: Sequence[ArrivedMessage], recipients: Sequence[_Seen]) -> Verdict:
    seen: list[str] = []
    receiver_problems: list[str] = []
    for copy, (addresses, unusable) in zip(copies, recipients, strict=True):
        seen += addresses
        receiver_problems += [f"unusable recipient from the receiver: {each}" for each in unusable]
        if not copy.envelope_recipients:
            receiver_problems.append(f"the receiver named no recipient for {copy.location or 'a copy'}")
    missing = sorted(set(expected.envelope) - set(seen))
    extra = sorted(set(seen) - set(expected.envelope))
    problems = [f"never delivered to {a}" for a in missing] + [f"delivered to {a}, not on the envelope" for a in extra]
    problems += receiver_problems
    observed = {"receiver": sorted(set(seen)), "missing": missing, "unexpected": extra}
    if not problems:
        detail = f"the receiver's recipients match the envelope ({len(expected.envelope)})"
        return Verdict(Check.DELIVERY_ENVELOPE, True, expected.path_name, detail, observed=observed)
    return Verdict(
        Check.DELIVERY_ENVELOPE,
        False,
        expected.path_name,
        "; ".join(problems[:_SHOWN]),
        expected=list(expected.envelope),
        observed=observed,
        evidence=_evidence(copies),
    )


def _read(copy: ArrivedMessage) -> MessageFacts | str:
    try:
        return read_message(copy.raw)
    except ArrivalParseError as exc:  # (ArrivalTooLargeError included)
        return f"unreadable: {exc}"


def _header_problems(expected: ExpectedArrival, facts: MessageFacts | str) -> list[str]:
    if isinstance(facts, str):
        return [facts]
    problems = [f"recipient headers: {each}" for each in facts.recipient_problems[:2]]
    for name, sent, got in (("To", expected.to, facts.to), ("Cc", expected.cc, facts.cc)):
        if sorted(sent) != sorted(got):
            problems.append(f"{name} was {', '.join(sent) or '(none)'}, arrived {', '.join(got) or '(none)'}")
    if facts.bcc_header:
        problems.append("a Bcc field arrived (blind recipients disclosed)")
    if not expected.sent_message_id(facts.message_id):
        problems.append(f"Message-ID was {expected.message_id}, arrived {facts.message_id or '(none)'}")
    if facts.subject != expected.subject:
        problems.append(f"Subject was {expected.subject!r}, arrived {facts.subject[:200]!r}")
    if facts.body_sha256 != expected.body_sha256:
        problems.append("the text body differs from what was sent (digest)")
    return problems


def _headers(expected: ExpectedArrival, copies: Sequence[ArrivedMessage]) -> Verdict:
    by_copy = {
        copy.location or f"copy {index}": _header_problems(expected, _read(copy)) for index, copy in enumerate(copies)
    }
    failing = {where: problems for where, problems in by_copy.items() if problems}
    if not failing:
        detail = f"To, Cc, Message-ID, Subject and body as sent, no Bcc field ({len(copies)} copies)"
        return Verdict(Check.DELIVERY_HEADERS, True, expected.path_name, detail)
    first = next(iter(failing.values()))
    return Verdict(
        Check.DELIVERY_HEADERS,
        False,
        expected.path_name,
        f"{len(failing)} of {len(copies)} copies changed: " + "; ".join(first[:_SHOWN]),
        expected={"to": list(expected.to), "cc": list(expected.cc), "message_id": expected.message_id},
        observed=failing,
        evidence=tuple(failing),
    )


def _auth_problems(copy: ArrivedMessage) -> list[str]:
    problems = []
    for method in _AUTH_METHODS:
        verdict = copy.receiver_verdicts.get(method)
        if verdict is not AuthVerdict.PASS:
            problems.append(f"{method}={verdict.value if verdict else 'not reported'} (receiver)")
    if copy.dkim is not None and copy.dkim.status is not DkimStatus.PASS:
        problems.append(f"our DKIM check: {copy.dkim.status.value}: {copy.dkim.reason}"[:300])
    return problems


def _authentication(path: str, copies: Sequence[ArrivedMessage]) -> Verdict:
    failing = {copy.location or f"copy {i}": found for i, copy in enumerate(copies) if (found := _auth_problems(copy))}
    unverified = sum(1 for copy in copies if copy.dkim is None)
    note = f"; our DKIM check not run on {unverified} copies" if unverified else ""
    if not failing:
        return Verdict(Check.DELIVERY_AUTHENTICATION, True, path, f"SPF, DKIM and DMARC pass{note}")
    first = next(iter(failing.values()))
    return Verdict(
        Check.DELIVERY_AUTHENTICATION,
        False,
        path,
        f"{len(failing)} of {len(copies)} copies: " + "; ".join(first[:_SHOWN]) + note,
        expected="spf, dkim, dmarc pass; our DKIM verification pass",
        observed=failing,
        evidence=tuple(failing),
    )


def _placement(path: str, copies: Sequence[ArrivedMessage]) -> Verdict:
    spam = [copy for copy in copies if copy.placement is not Placement.INBOX]
    if not spam:
        return Verdict(Check.DELIVERY_PLACEMENT, True, path, f"{len(copies)} copies in the inbox")
    return Verdict(
        Check.DELIVERY_PLACEMENT,
        False,
        path,
        f"{len(spam)} of {len(copies)} copies filed as {spam[0].placement.value}",
        expected=Placement.INBOX.value,
        observed=[copy.placement.value for copy in copies],
        evidence=_evidence(spam),
    )
