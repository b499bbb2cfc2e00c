"""The server's side of sequence checking: refusals that are sequence errors, and out-of-order acceptances.

A reply `replies.classify` calls a sequence error is a sequence refusal: a 503 (RFC 5321 "bad sequence
of commands"), or a permanent RFC 3463 x.5.1 status on MAIL/RCPT/DATA/BDAT that is not a syntax code
(such as Postfix's `554 5.5.1 Error: no valid recipients`). A server that answers DATA
with 354 when no RCPT was accepted, or accepts RCPT outside a transaction, is a server that lets
out-of-order commands through — what the conformance probe is looking for.
"""

from __future__ import annotations

from mailcanary.smtp.dialogue import Exchange, ParsedReply
from mailcanary.smtp.replies import ReplyClass, classify
from mailcanary.smtp.sequence_report import Rule, ServerAcceptance, ServerRefusal
from mailcanary.smtp.sequence_state import SessionState, shown

__all__ = ["out_of_order_acceptances", "sequence_refusals"]


def _refusal(ex: Exchange, parsed: ParsedReply, confirms: Rule | None, expected: bool) -> ServerRefusal | None:
    reply = parsed.reply
    if reply is None or classify(reply, ex.verb) is not ReplyClass.SEQUENCE:
        return None
    status = f" {reply.enhanced_status}" if reply.enhanced_status else ""
    why = f"the server refused {ex.verb} with {reply.code}{status}, a bad-sequence reply: {reply.message!r}"
    if expected:
        why += "; correct: the client pipelined it behind RCPTs that were all refused (RFC 2920 3.1)"
    described = parsed.describe()
    return ServerRefusal(ex.index, shown(ex), reply.code, reply.enhanced_status, described, confirms, why, expected)


def sequence_refusals(exchanges: tuple[Exchange, ...], confirms: dict[int, Rule]) -> tuple[ServerRefusal, ...]:
    """Every final reply that refuses its command as out of sequence; `confirms` maps index -> client rule.

    RFC 2920 3.1 lets a client pipeline DATA behind its RCPTs; when every one of them is refused the
    server must refuse DATA, and that refusal is marked `expected` (correct on both sides).
    """
    actual = SessionState()
    attempted = 0  # RCPTs sent in the open transaction, refused or not
    found: list[ServerRefusal] = []
    for ex in exchanges:
        if ex.reply is not None:
            expected = (
                ex.verb in ("DATA", "BDAT")
                and ex.pipelined
                and ex.index not in confirms
                and actual.mail
                and actual.rcpts == 0
                and attempted > 0
            )
            refusal = _refusal(ex, ex.reply, confirms.get(ex.index), expected)
            if refusal is not None:
                found.append(refusal)
        was_mail = actual.mail
        actual.apply(ex, known=True)
        if not actual.mail or (ex.verb == "MAIL" and not was_mail):
            attempted = 0
        elif ex.verb == "RCPT":
            attempted += 1
    return tuple(found)


def out_of_order_acceptances(exchanges: tuple[Exchange, ...]) -> tuple[ServerAcceptance, ...]:
    """Replays the session by the server's real answers and reports what it should have refused."""
    actual = SessionState()
    found: list[ServerAcceptance] = []
    for ex in exchanges:
        reply = ex.reply
        go_ahead = next((r for r in ex.interim if r.code == 354), None) if ex.verb == "DATA" else None
        positive = reply if reply is not None and reply.positive else None
        accepted = go_ahead or (positive if ex.verb in ("RCPT", "BDAT", "MAIL") else None)
        if accepted is not None and ex.verb in ("DATA", "BDAT") and actual.rcpts == 0:
            why = f"the server answered {ex.verb} with {accepted.code} although no RCPT had been accepted"
            found.append(ServerAcceptance(ex.index, shown(ex), accepted.describe(), why, Rule.RCPT_BEFORE_DATA))
        elif accepted is not None and ex.verb == "RCPT" and not actual.mail:
            why = f"the server accepted RCPT with {accepted.code} although no MAIL had been accepted"
            found.append(ServerAcceptance(ex.index, shown(ex), accepted.describe(), why, Rule.MAIL_BEFORE_RCPT))
        elif accepted is not None and ex.verb == "MAIL" and (actual.fresh_tls or not actual.hello):
            rule = Rule.EHLO_AFTER_STARTTLS if actual.fresh_tls else Rule.HELO_BEFORE_MAIL
            since = "since STARTTLS" if actual.fresh_tls else "in the session"
            why = f"the server accepted MAIL with {accepted.code} although no EHLO/HELO had been accepted {since}"
            found.append(ServerAcceptance(ex.index, shown(ex), accepted.describe(), why, rule))
        actual.apply(ex, known=True)
    return tuple(found)
