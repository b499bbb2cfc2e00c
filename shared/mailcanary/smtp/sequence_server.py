"""The server's side of sequence checking: refusals that are sequence errors, and out-of-order acceptances.

A 503 (RFC 5321 "bad sequence of commands"), or an RFC 3463 x.5.1 status on MAIL/RCPT/DATA/BDAT (such
as Postfix's `554 5.5.1 Error: no valid recipients`), is a sequence refusal. A server that answers DATA
with 354 when no RCPT was accepted, or accepts RCPT outside a transaction, is a server that lets
out-of-order commands through — what the conformance probe is looking for.
"""

from __future__ import annotations

from mailcanary.smtp._reply_parse import ParsedReply
from mailcanary.smtp.dialogue import Exchange
from mailcanary.smtp.sequence_report import Rule, ServerAcceptance, ServerRefusal
from mailcanary.smtp.sequence_state import SessionState, shown

__all__ = ["out_of_order_acceptances", "sequence_refusals"]

BAD_SEQUENCE = 503
_TRANSACTION_VERBS = frozenset({"MAIL", "RCPT", "DATA", "BDAT"})
_SYNTAX_CODES = frozenset({500, 501, 502})


def _refusal(ex: Exchange, reply: ParsedReply, confirms: Rule | None) -> ServerRefusal | None:
    code = reply.code
    if code is None:
        return None
    x51 = reply.enhanced is not None and reply.enhanced[1:] == ".5.1" and code not in _SYNTAX_CODES
    if code != BAD_SEQUENCE and not (x51 and ex.verb in _TRANSACTION_VERBS):
        return None
    status = f" {reply.enhanced}" if reply.enhanced else ""
    said = reply.describe()[3:].lstrip(" -")
    said = said[len(reply.enhanced) :].lstrip() if reply.enhanced and said.startswith(reply.enhanced) else said
    why = f"the server refused {ex.verb} with {code}{status}, a bad-sequence reply: {said!r}"
    return ServerRefusal(ex.index, shown(ex), code, reply.enhanced, reply.describe(), confirms, why)


def sequence_refusals(exchanges: tuple[Exchange, ...], confirms: dict[int, Rule]) -> tuple[ServerRefusal, ...]:
    """Every final reply that refuses its command as out of sequence; `confirms` maps index -> client rule."""
    found = (_refusal(ex, ex.reply, confirms.get(ex.index)) for ex in exchanges if ex.reply is not None)
    return tuple(refusal for refusal in found if refusal is not None)


def out_of_order_acceptances(exchanges: tuple[Exchange, ...]) -> tuple[ServerAcceptance, ...]:
    """Replays the session by the server's real answers and reports what it should have refused."""
    actual = SessionState()
    found: list[ServerAcceptance] = []
    for ex in exchanges:
        reply = ex.reply
        go_ahead = next((r for r in ex.interim if r.code == 354), None) if ex.verb == "DATA" else None
        accepted = go_ahead or (reply if reply is not None and reply.positive and ex.verb in ("RCPT", "BDAT") else None)
        if accepted is not None and ex.verb in ("DATA", "BDAT") and actual.rcpts == 0:
            why = f"the server answered {ex.verb} with {accepted.code} although no RCPT had been accepted"
            found.append(ServerAcceptance(ex.index, shown(ex), accepted.describe(), why))
        elif accepted is not None and ex.verb == "RCPT" and not actual.mail:
            why = f"the server accepted RCPT with {accepted.code} although no MAIL had been accepted"
            found.append(ServerAcceptance(ex.index, shown(ex), accepted.describe(), why))
        actual.apply(ex, known=True)
    return tuple(found)
