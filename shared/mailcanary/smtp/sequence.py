"""RFC 5321 command-order validation of any SMTP transcript, ours or a capture of someone else's client.

Each command is judged on what the client knew when it sent it: replies that had arrived count as they
were; commands still awaiting their reply (pipelining, RFC 2920) count as if they will succeed, because
a client that pipelines MAIL, RCPT and DATA is not at fault when the RCPT is then refused — the server's
sequence refusal of DATA is reported separately, as a `ServerRefusal`. Never raises on odd input.
"""

from __future__ import annotations

from mailcanary.smtp.dialogue import Dialogue, Exchange, pair
from mailcanary.smtp.sequence_plain import plain_session_commands
from mailcanary.smtp.sequence_report import Rule, SequenceReport, ServerAcceptance, ServerRefusal, Violation
from mailcanary.smtp.sequence_server import out_of_order_acceptances, sequence_refusals
from mailcanary.smtp.sequence_state import SessionState, shown
from mailcanary.smtp.transcript import Transcript

__all__ = ["Rule", "SequenceReport", "ServerAcceptance", "ServerRefusal", "Violation", "validate"]

# RFC 2920 3.1 (and RFC 3207 4 for STARTTLS): these change state, so they may only end a pipelined group.
_GROUP_ENDERS = frozenset({"EHLO", "HELO", "DATA", "VRFY", "EXPN", "TURN", "QUIT", "NOOP", "STARTTLS"})


class _Judge:
    """The client-side rules, one guard per command verb; each finding becomes a `Violation`."""

    def __init__(self, dialogue: Dialogue, tls_required: bool) -> None:
        self.dialogue = dialogue
        self.tls_required = tls_required
        self.found: list[Violation] = []

    def flag(self, rule: Rule, ex: Exchange, why: str) -> None:
        self.found.append(Violation(rule, ex.index, shown(ex), why))

    def judge(self, ex: Exchange, view: SessionState, previous: Exchange | None, first: bool) -> None:
        if view.quit:
            self.flag(Rule.COMMAND_AFTER_QUIT, ex, f"{ex.verb or 'a line'} was sent after QUIT")
            return
        self._greeting(ex, first)
        if ex.pipelined:
            self._pipelining(ex, view, previous)
        check = _CHECKS.get(ex.verb)
        if check is not None:
            check(self, ex, view)

    def _greeting(self, ex: Exchange, first: bool) -> None:
        greeting = self.dialogue.greeting
        if ex.before_greeting:
            self.flag(Rule.GREETING_BEFORE_HELO, ex, f"{ex.verb} was sent before the server's 220 greeting")
        elif first and greeting is not None and greeting.code != 220 and ex.verb != "QUIT":
            shown = greeting.describe()
            self.flag(Rule.GREETING_BEFORE_HELO, ex, f"{ex.verb} was sent after the greeting {shown!r}, not 220")

    def _pipelining(self, ex: Exchange, view: SessionState, previous: Exchange | None) -> None:
        if "PIPELINING" not in view.extensions:
            why = f"{ex.verb} was sent before the previous reply arrived, and PIPELINING was not advertised"
            self.flag(Rule.PIPELINING_NOT_ADVERTISED, ex, why)
        elif previous is not None and previous.verb in _GROUP_ENDERS:
            why = f"{ex.verb} was pipelined after {previous.verb}, which must be the last command of a group"
            self.flag(Rule.COMMAND_AFTER_GROUP_END, ex, why)

    def _starttls(self, ex: Exchange, view: SessionState) -> None:
        if view.tls:
            self.flag(Rule.STARTTLS_NOT_ADVERTISED, ex, "STARTTLS was sent although TLS was already active")
        elif "STARTTLS" not in view.extensions:
            self.flag(Rule.STARTTLS_NOT_ADVERTISED, ex, f"STARTTLS was sent but {_not_offered(view)}")

    def _auth(self, ex: Exchange, view: SessionState) -> None:
        if view.fresh_tls:
            self.flag(Rule.EHLO_AFTER_STARTTLS, ex, "AUTH was sent after STARTTLS without a new EHLO")
        elif "AUTH" not in view.extensions:
            self.flag(Rule.AUTH_NOT_ADVERTISED, ex, f"AUTH was sent but {_not_offered(view)}")
        if self.tls_required and not (view.tls or ex.tls):
            self.flag(Rule.AUTH_BEFORE_TLS, ex, "AUTH was sent in clear text, before TLS was established")

    def _mail(self, ex: Exchange, view: SessionState) -> None:
        if view.fresh_tls:
            self.flag(Rule.EHLO_AFTER_STARTTLS, ex, "MAIL was sent after STARTTLS without a new EHLO")
        elif not view.hello:
            self.flag(Rule.HELO_BEFORE_MAIL, ex, "MAIL was sent before any accepted EHLO/HELO")
        elif view.mail:
            self.flag(Rule.MAIL_IN_TRANSACTION, ex, "MAIL was sent inside an open transaction (no RSET or DATA)")

    def _rcpt(self, ex: Exchange, view: SessionState) -> None:
        if not view.mail:
            self.flag(Rule.MAIL_BEFORE_RCPT, ex, "RCPT was sent with no accepted MAIL in the transaction")

    def _data(self, ex: Exchange, view: SessionState) -> None:
        if view.rcpts == 0:
            missing = "no RCPT had been accepted" if view.mail else "no MAIL transaction was open"
            self.flag(Rule.RCPT_BEFORE_DATA, ex, f"{ex.verb} was sent but {missing}")
        if ex.early_content:
            self.flag(Rule.CONTENT_BEFORE_354, ex, "message content was sent before the server's 354")


_CHECKS = {
    "STARTTLS": _Judge._starttls,
    "AUTH": _Judge._auth,
    "MAIL": _Judge._mail,
    "RCPT": _Judge._rcpt,
    "DATA": _Judge._data,
    "BDAT": _Judge._data,
}


def _not_offered(view: SessionState) -> str:
    if view.fresh_tls:
        return "no EHLO followed STARTTLS, so nothing is advertised"
    return "the server had not advertised it" if view.hello else "no EHLO had been answered"


def _settle_points(exchanges: tuple[Exchange, ...]) -> list[float]:
    """When the client learnt each outcome: its reply's line, or (no reply) a later command's reply line."""
    points: list[float] = [float("inf")] * len(exchanges)
    later = float("inf")
    for k in range(len(exchanges) - 1, -1, -1):
        reply = exchanges[k].reply
        later = points[k] = reply.last_index if reply is not None else later
    return points


def validate(
    transcript: Transcript, *, tls_required: bool = True, include_probe: bool = False, greeting_recorded: bool = True
) -> SequenceReport:
    """Check a transcript against RFC 5321 command order (and STARTTLS, AUTH, PIPELINING rules).

    `tls_required` makes AUTH in clear text a violation (the default, as for the SES SMTP interface).
    Commands the conformance probe sent out of order on purpose (lines marked `probe`) are left out,
    server answers included, unless `include_probe`: the probe's RSET fence leaves the session as it
    found it, so the rest is judged as if it had not run, and its findings are the probe's own result.
    `greeting_recorded=False` for captures that start after the server's greeting (smtplib debug output).
    """
    plain = plain_session_commands(transcript, greeting_recorded=greeting_recorded)
    if plain is not None:  # lock-step, plain, every command accepted in order: nothing to report (see there)
        return SequenceReport(commands=plain)
    dialogue = pair(transcript, greeting_recorded=greeting_recorded)
    exchanges = dialogue.exchanges
    skipped = 0
    if not include_probe:
        exchanges = tuple(ex for ex in exchanges if not ex.probe)
        skipped = len(dialogue.exchanges) - len(exchanges)
    settles = _settle_points(exchanges)
    judge = _Judge(dialogue, tls_required)
    confirmed, settled = SessionState(), 0
    view: SessionState | None = None
    for j, ex in enumerate(exchanges):
        moved = False
        while settled < j and settles[settled] < ex.index:
            confirmed.apply(exchanges[settled], known=exchanges[settled].reply is not None)
            settled, moved = settled + 1, True
        if view is None or moved:
            view = confirmed.copy()
            for k in range(settled, j):
                view.apply(exchanges[k], known=False)
        elif j - 1 >= settled:
            view.apply(exchanges[j - 1], known=False)
        pending_previous = exchanges[j - 1] if j - 1 >= settled else None
        judge.judge(ex, view, pending_previous, first=j == 0)
    first_rule: dict[int, Rule] = {}
    for violation in judge.found:
        first_rule.setdefault(violation.index, violation.rule)
    return SequenceReport(
        violations=tuple(judge.found),
        server_refusals=sequence_refusals(exchanges, first_rule),
        server_acceptances=out_of_order_acceptances(exchanges),
        commands=len(exchanges),
        probe_commands=skipped,
    )
