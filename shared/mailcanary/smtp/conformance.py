"""The opt-in conformance probe: send commands out of RFC 5321 order on purpose and see whether the server
refuses them as sequence errors.

It runs inside a transaction fenced by RSET, after AUTH and before the real canary, on the same
connection. Three probes: DATA with no transaction, RCPT before MAIL, and DATA after MAIL with no RCPT
(the order the issue exists for). A server that answers 2xx/3xx to any of them is flagged.

If a broken server answers 354 to a probe's DATA, it is now reading message content: RSET would only be
more content, so the one in-band way out is the terminating dot. We send the dot at once — an empty
message with no recipients, nothing anyone could receive — record the server's answer as evidence, and
RSET. (Dropping the connection would also abort the transaction, but would cost the canary its session.)

Every line of the probe, from the opening RSET to the reply to the closing one, is marked `probe` in the
transcript: those commands are out of order on purpose, so `sequence.validate` judges the canary's own
session without them (the probe's findings are in the `ConformanceResult`).
"""

from __future__ import annotations

import smtplib

from mailcanary.smtp.client import RecordingSMTP
from mailcanary.smtp.replies import Code, Reply
from mailcanary.smtp.result import ConformanceProbe, ConformanceResult

__all__ = ["RULES", "probe_sequence"]

RULES = {
    "data-before-mail": "DATA only inside a transaction: MAIL, then an accepted RCPT (RFC 5321 3.3, 4.1.4)",
    "rcpt-before-mail": "RCPT only after MAIL has started a transaction (RFC 5321 3.3, 4.1.4)",
    "data-before-rcpt": "DATA only after at least one accepted RCPT (RFC 5321 3.3)",
}


def _reply(code: int, message: bytes) -> Reply:
    return Reply.from_smtplib(code, message)


def _bad_data(client: RecordingSMTP, name: str) -> ConformanceProbe:
    reply = _reply(*client.docmd("DATA"))
    if reply.code != Code.START_MAIL_INPUT:
        return ConformanceProbe(name, RULES[name], "DATA", reply)
    client.send(b".\r\n")  # end the empty message at once (see the module docstring)
    after_dot = _reply(*client.getreply())
    note = f"server accepted DATA out of order; ended the empty message with '.', it answered: {after_dot}"
    return ConformanceProbe(name, RULES[name], "DATA", reply, note)


def _rset(client: RecordingSMTP) -> Reply:
    return _reply(*client.rset())


def probe_sequence(client: RecordingSMTP, mail_from: str, recipient: str) -> ConformanceResult:
    """Run the three out-of-order probes on an open, greeted (and authenticated) connection."""
    client.recorder.probe = True
    try:
        return _probe(client, mail_from, recipient)
    finally:
        client.recorder.probe = False


def _probe(client: RecordingSMTP, mail_from: str, recipient: str) -> ConformanceResult:
    probes: list[ConformanceProbe] = []
    try:
        fence = _rset(client)
        if fence.code != Code.OK:
            return ConformanceResult((), f"RSET before the probe was refused: {fence}")
        probes.append(_bad_data(client, "data-before-mail"))
        rcpt = _reply(*client.rcpt(recipient))
        probes.append(ConformanceProbe("rcpt-before-mail", RULES["rcpt-before-mail"], f"RCPT TO:<{recipient}>", rcpt))
        _rset(client)
        mail = _reply(*client.mail(mail_from))
        if mail.code != Code.OK:
            return ConformanceResult(tuple(probes), f"MAIL refused, data-before-rcpt not probed: {mail}")
        probes.append(_bad_data(client, "data-before-rcpt"))
        fence = _rset(client)
        if fence.code != Code.OK:
            return ConformanceResult(tuple(probes), f"RSET after the probe was refused: {fence}")
    except (smtplib.SMTPException, OSError) as exc:
        return ConformanceResult(tuple(probes), f"probe interrupted: {type(exc).__name__}: {exc}")
    return ConformanceResult(tuple(probes))
