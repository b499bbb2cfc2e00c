"""Bounces that come back to a canary's return path, matched to their canary and path: `outcome.unexpected_bounce`.

The message is parsed with `mailcanary.bounce`; only a bounce (some recipient `failed`) counts: a delay warning,
an auto-reply or a success notice is no verdict. It is matched, strongest evidence first, by
1. the VERP address it was returned to (`arrival.verp`: canary id and path in the local part),
2. the returned original's Message-ID (each path sends its own),
3. the canary header in the returned original's headers, then the bounced recipient on a path's envelope (or
   the canary's only path).
A bounce that matches none of the given expectations gives no verdict (it is somebody else's mail).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailcanary.arrival.errors import VerpError
from mailcanary.arrival.model import CANARY_HEADER, ExpectedArrival
from mailcanary.arrival.verp import decode_verp
from mailcanary.bounce import BounceError, BounceKind, BounceReport, parse_bounce
from mailcanary.bounce.message_view import MessageView, header
from mailcanary.core.checks import Check, Verdict
from mailcanary.recipients import normalise_envelope

__all__ = ["BounceMatch", "bounce_verdicts", "match_bounce"]


@dataclass(frozen=True, slots=True)
class BounceMatch:
    """A returned bounce and the path(s) it belongs to, with how it was matched."""

    report: BounceReport
    paths: tuple[ExpectedArrival, ...]
    matched_by: str  # "verp", "message-id" or "canary-header"


def match_bounce(
    raw: bytes, expected: Sequence[ExpectedArrival], *, returned_to: Sequence[str] = (), verp_prefix: str = "canary"
) -> BounceMatch | None:
    """The paths a returned message bounces, or None (not a bounce, or not ours).

    `returned_to` is where it was delivered (SES `receipt.recipients`, `Delivered-To`); raises `BounceError`
    subclasses for input that is no message or over the bounce parser's limits.
    """
    report = parse_bounce(raw)
    if report.kind is not BounceKind.BOUNCE:
        return None
    for address in returned_to:
        try:
            verp = decode_verp(address, verp_prefix)
        except VerpError:
            continue
        found = tuple(e for e in expected if (e.canary_id, e.path_name) == (verp.canary_id, verp.path_name))
        if found:
            return BounceMatch(report, found, "verp")
    if report.original_message_id:
        found = tuple(e for e in expected if e.sent_message_id(report.original_message_id))
        if found:
            return BounceMatch(report, found, "message-id")
    canary_id = _returned_canary_id(raw)
    if canary_id:
        bounced = set(normalise_envelope([r.address for r in report.recipients], where="bounce")[0])
        same_canary = [e for e in expected if e.canary_id == canary_id]
        found = tuple(e for e in same_canary if bounced & set(e.envelope))
        found = found or (tuple(same_canary) if len(same_canary) == 1 else ())  # one path: no doubt which
        if found:
            return BounceMatch(report, found, "canary-header")
    return None


def _returned_canary_id(raw: bytes) -> str:
    try:
        original = MessageView.from_bytes(raw).original_headers
    except BounceError:
        return ""
    return header(original, CANARY_HEADER)[:64] if original is not None else ""


def bounce_verdicts(
    raw: bytes, expected: Sequence[ExpectedArrival], *, returned_to: Sequence[str] = (), verp_prefix: str = "canary"
) -> tuple[Verdict, ...]:
    """`outcome.unexpected_bounce` (failed) for each path the bounce matches; () when it matches none."""
    match = match_bounce(raw, expected, returned_to=returned_to, verp_prefix=verp_prefix)
    if match is None:
        return ()
    failed = [r for r in match.report.recipients if r.action == "failed"]
    described = [f"{r.address}: {r.status or '?'} {r.reason.value}" for r in failed[:5]]
    evidence = tuple(f"{r.address}: {r.diagnostic_code or ''}"[:300] for r in failed[:5])
    return tuple(
        Verdict(
            Check.OUTCOME_UNEXPECTED_BOUNCE,
            False,
            path.path_name,
            f"bounce returned to the sender ({match.matched_by}): " + "; ".join(described),
            expected="delivery, no bounce",
            observed={
                "dialect": match.report.dialect,
                "reporting_mta": match.report.reporting_mta,
                "recipients": [{"address": r.address, "status": r.status, "hard": r.hard} for r in failed],
            },
            evidence=evidence,
        )
        for path in match.paths
    )
