"""Table-driven tests of the RFC 5321 sequence validator over realistic transcripts.

Reply texts are the servers' own: Exim's "503 Valid RCPT command must precede DATA", Postfix's
"503 5.5.1 Error: need RCPT command" / "554 5.5.1 Error: no valid recipients" / "503 5.5.1 Error: need
MAIL command", aiosmtpd's "503 Error: need RCPT command" (see /work notes in MACHINE-NOTES and the
swaks captures in tests/data/transcripts/).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from mailcanary.smtp import Direction, Rule, Transcript, TranscriptLine, validate


def script(text: str) -> Transcript:
    """`C: ` client, `S: ` server; `C~ `/`S~ ` inside TLS. One line each, in order."""
    lines = []
    for n, raw in enumerate(line.strip() for line in text.splitlines() if line.strip()):
        marker, body = raw[:2], raw[3:]
        direction = Direction.CLIENT if marker[0] == "C" else Direction.SERVER
        lines.append(TranscriptLine(float(n), direction, body, tls=marker[1] == "~"))
    return Transcript(tuple(lines))


POSTFIX_BANNER = "S: 220 mx.example.com ESMTP Postfix (Debian/GNU)"
POSTFIX_EHLO = """
C: EHLO canary.example
S: 250-mx.example.com
S: 250-PIPELINING
S: 250-SIZE 10240000
S: 250-VRFY
S: 250-ETRN
S: 250-STARTTLS
S: 250-ENHANCEDSTATUSCODES
S: 250-8BITMIME
S: 250-DSN
S: 250-SMTPUTF8
S: 250 CHUNKING
"""
POSTFIX = POSTFIX_BANNER + POSTFIX_EHLO
AIOSMTPD = """
S: 220 mx.lab.test Python SMTP 1.4.6
C: EHLO canary.example
S: 250-mx.lab.test
S: 250-SIZE 33554432
S: 250-8BITMIME
S: 250-SMTPUTF8
S: 250 HELP
"""
EXIM = """
S: 220 mx.example.net ESMTP Exim 4.96 Sat, 28 Nov 2026 10:00:00 +0000
C: EHLO canary.example
S: 250-mx.example.net Hello canary.example [192.0.2.10]
S: 250-SIZE 52428800
S: 250-8BITMIME
S: 250-PIPELINING
S: 250-STARTTLS
S: 250 HELP
"""
CONTENT = """
S: 354 End data with <CR><LF>.<CR><LF>
C: Subject: canary
C:
C: RCPT TO:<not-a-command@example.com>
C: ..QUIT is data, dot-stuffed
C: .
S: 250 2.0.0 Ok: queued as 4Xyz
"""


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    rules: list[str] = field(default_factory=list)  # expected violations, in order
    refused: list[tuple[str, int, str | None]] = field(default_factory=list)  # (verb, code, enhanced)
    accepted_out_of_order: list[str] = field(default_factory=list)  # verbs the server should have refused
    tls_required: bool = True
    correct_refusal: bool = False  # the refusal is the one RFC 2920 3.1 calls for: the session is valid


CASES = [
    Case(
        "exim: DATA after the only RCPT was refused -> 503 Valid RCPT command must precede DATA",
        EXIM
        + """
C: MAIL FROM:<canary@example.com>
S: 250 OK
C: RCPT TO:<nobody@example.net>
S: 550 Unrouteable address
C: DATA
S: 503-All RCPT commands were rejected with this error:
S: 503-550 Unrouteable address
S: 503 Valid RCPT command must precede DATA
C: QUIT
S: 221 mx.example.net closing connection
""",
        rules=["rcpt-before-data"],
        refused=[("DATA", 503, None)],
    ),
    Case(
        "postfix: DATA with no MAIL -> 503 5.5.1 Error: need RCPT command",
        POSTFIX + "C: DATA\nS: 503 5.5.1 Error: need RCPT command\nC: QUIT\nS: 221 2.0.0 Bye",
        rules=["rcpt-before-data"],
        refused=[("DATA", 503, "5.5.1")],
    ),
    Case(
        "postfix: DATA after MAIL with the RCPT refused -> 554 5.5.1 Error: no valid recipients",
        POSTFIX
        + """
C: MAIL FROM:<canary@example.com>
S: 250 2.1.0 Ok
C: RCPT TO:<nobody@mx.example.com>
S: 550 5.1.1 <nobody@mx.example.com>: Recipient address rejected: User unknown in local recipient table
C: DATA
S: 554 5.5.1 Error: no valid recipients
C: QUIT
S: 221 2.0.0 Bye
""",
        rules=["rcpt-before-data"],
        refused=[("DATA", 554, "5.5.1")],
    ),
    Case(
        "postfix: RCPT before MAIL -> 503 5.5.1 Error: need MAIL command",
        POSTFIX + "C: RCPT TO:<a@example.com>\nS: 503 5.5.1 Error: need MAIL command\nC: QUIT\nS: 221 2.0.0 Bye",
        rules=["mail-before-rcpt"],
        refused=[("RCPT", 503, "5.5.1")],
    ),
    Case(
        "aiosmtpd: DATA after MAIL with no RCPT -> 503 Error: need RCPT command",
        AIOSMTPD + "C: MAIL FROM:<c@example.com>\nS: 250 OK\nC: DATA\nS: 503 Error: need RCPT command",
        rules=["rcpt-before-data"],
        refused=[("DATA", 503, None)],
    ),
    Case(
        "postfix pipelining: MAIL, RCPT, DATA in one group, RCPT refused: the client followed RFC 2920",
        POSTFIX
        + """
C: MAIL FROM:<canary@example.com>
C: RCPT TO:<nobody@mx.example.com>
C: DATA
S: 250 2.1.0 Ok
S: 550 5.1.1 <nobody@mx.example.com>: Recipient address rejected: User unknown in local recipient table
S: 554 5.5.1 Error: no valid recipients
C: QUIT
S: 221 2.0.0 Bye
""",
        refused=[("DATA", 554, "5.5.1")],
        correct_refusal=True,
    ),
    Case(
        "a server that answers DATA with 354 although no RCPT was accepted",
        AIOSMTPD + "C: MAIL FROM:<c@example.com>\nS: 250 OK\nC: DATA" + CONTENT + "C: QUIT\nS: 221 Bye",
        rules=["rcpt-before-data"],
        accepted_out_of_order=["DATA"],
    ),
    Case(
        "AUTH before STARTTLS although TLS is required",
        POSTFIX_BANNER
        + """
C: EHLO canary.example
S: 250-mx.example.com
S: 250-STARTTLS
S: 250-AUTH PLAIN LOGIN
S: 250 8BITMIME
C: AUTH PLAIN AGNhbmFyeQBzM2NyM3Q=
S: 235 2.7.0 Authentication successful
""",
        rules=["auth-before-tls"],
    ),
    Case(
        "AUTH in clear text is fine when TLS is not required",
        POSTFIX_BANNER
        + "\nC: EHLO c\nS: 250-mx\nS: 250 AUTH=PLAIN\nC: AUTH PLAIN AGNhbmFyeQBzM2NyM3Q=\nS: 235 2.7.0 Ok",
        tls_required=False,
    ),
    Case(
        "AUTH not advertised before TLS (Postfix) -> 503 5.5.1 Error: authentication not enabled",
        POSTFIX + "C: AUTH LOGIN\nS: 503 5.5.1 Error: authentication not enabled",
        rules=["auth-not-advertised", "auth-before-tls"],
        refused=[("AUTH", 503, "5.5.1")],
    ),
    Case(
        "missing EHLO after STARTTLS, then AUTH and MAIL",
        POSTFIX
        + """
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
C~ AUTH PLAIN AGNhbmFyeQBzM2NyM3Q=
S~ 503 5.5.1 Error: send HELO/EHLO first
C~ MAIL FROM:<canary@example.com>
S~ 503 5.5.1 Error: send HELO/EHLO first
""",
        rules=["ehlo-after-starttls", "ehlo-after-starttls"],
        refused=[("AUTH", 503, "5.5.1"), ("MAIL", 503, "5.5.1")],
    ),
    Case(
        "STARTTLS that the server never advertised",
        AIOSMTPD + "C: STARTTLS\nS: 502 Command not implemented",
        rules=["starttls-not-advertised"],
    ),
    Case(
        "STARTTLS, EHLO again, AUTH LOGIN with challenges, a message whose content looks like commands",
        POSTFIX
        + """
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
C~ EHLO canary.example
S~ 250-mx.example.com
S~ 250-PIPELINING
S~ 250-AUTH PLAIN LOGIN
S~ 250 8BITMIME
C~ AUTH LOGIN
S~ 334 VXNlcm5hbWU6
C~ Y2FuYXJ5
S~ 334 UGFzc3dvcmQ6
C~ czNjcjN0
S~ 235 2.7.0 Authentication successful
C~ MAIL FROM:<canary@example.com>
S~ 250 2.1.0 Ok
C~ RCPT TO:<success@simulator.amazonses.com>
S~ 250 2.1.5 Ok
C~ DATA
""".rstrip("\n")
        + CONTENT.replace("C: ", "C~ ").replace("S: ", "S~ ")
        + "C~ QUIT\nS~ 221 2.0.0 Bye",
    ),
    Case(
        "RSET ends the transaction: DATA after RSET has no recipient",
        AIOSMTPD
        + """
C: MAIL FROM:<c@example.com>
S: 250 OK
C: RCPT TO:<a@example.com>
S: 250 OK
C: RSET
S: 250 OK
C: DATA
S: 503 Error: need RCPT command
""",
        rules=["rcpt-before-data"],
        refused=[("DATA", 503, None)],
    ),
    Case(
        "RSET after refused recipients, then a new transaction that delivers",
        AIOSMTPD
        + """
C: MAIL FROM:<c@example.com>
S: 250 OK
C: RCPT TO:<bounce@example.com>
S: 550 5.1.1 User unknown
C: RSET
S: 250 OK
C: MAIL FROM:<c@example.com>
S: 250 OK
C: RCPT TO:<a@example.com>
S: 250 OK
C: DATA
"""
        + CONTENT.strip("\n")
        + "\nC: QUIT\nS: 221 Bye",
    ),
    Case(
        "EHLO ends the transaction too",
        AIOSMTPD
        + "C: MAIL FROM:<c@example.com>\nS: 250 OK\nC: RCPT TO:<a@example.com>\nS: 250 OK\n"
        + AIOSMTPD.split("\n", 2)[2]
        + "C: DATA\nS: 503 Error: need RCPT command",
        rules=["rcpt-before-data"],
        refused=[("DATA", 503, None)],
    ),
    Case(
        "a second MAIL inside an open transaction -> 503 5.5.1 Error: nested MAIL command",
        POSTFIX + "C: MAIL FROM:<a@example.com>\nS: 250 2.1.0 Ok\nC: MAIL FROM:<b@example.com>\n"
        "S: 503 5.5.1 Error: nested MAIL command",
        rules=["mail-in-transaction"],
        refused=[("MAIL", 503, "5.5.1")],
    ),
    Case(
        "MAIL without EHLO/HELO",
        "S: 220 mx ESMTP\nC: MAIL FROM:<a@example.com>\nS: 503 5.5.1 Error: send HELO/EHLO first",
        rules=["helo-before-mail"],
        refused=[("MAIL", 503, "5.5.1")],
    ),
    Case(
        "commands after QUIT",
        AIOSMTPD + "C: QUIT\nS: 221 Bye\nC: NOOP\nC: MAIL FROM:<a@example.com>",
        rules=["command-after-quit", "command-after-quit"],
    ),
    Case(
        "EHLO sent before the greeting arrived",
        "C: EHLO canary.example\nS: 220 mx ESMTP\nS: 250 mx",
        rules=["greeting-before-helo"],
    ),
    Case(
        "EHLO after a 554 greeting",
        "S: 554 5.3.2 mx.example.com: no SMTP service here\nC: EHLO canary.example\nS: 503 5.5.1 bad sequence",
        rules=["greeting-before-helo"],
        refused=[("EHLO", 503, "5.5.1")],
    ),
    Case(
        "pipelining without PIPELINING advertised",
        AIOSMTPD + "C: MAIL FROM:<c@example.com>\nC: RCPT TO:<a@example.com>\nS: 250 OK\nS: 250 OK",
        rules=["pipelining-not-advertised"],
    ),
    Case(
        "pipelining with PIPELINING advertised",
        EXIM
        + """
C: MAIL FROM:<canary@example.com>
C: RCPT TO:<a@example.net>
C: RCPT TO:<b@example.net>
C: DATA
S: 250 OK
S: 250 Accepted
S: 250 Accepted
"""
        + CONTENT.strip("\n")
        + "\nC: QUIT\nS: 221 mx.example.net closing connection",
    ),
    Case(
        "a command pipelined after DATA, which must end its group",
        EXIM + "C: MAIL FROM:<c@example.com>\nC: RCPT TO:<a@example.net>\nC: DATA\nC: QUIT\n"
        "S: 250 OK\nS: 550 Unrouteable address\nS: 503 Valid RCPT command must precede DATA\nS: 221 closing",
        rules=["command-after-group-end"],
        refused=[("DATA", 503, None)],
        correct_refusal=True,  # the DATA refusal is RFC 2920's; QUIT after DATA is the client's fault
    ),
    Case(
        "message content sent before the 354",
        AIOSMTPD + "C: MAIL FROM:<c@example.com>\nS: 250 OK\nC: RCPT TO:<a@example.com>\nS: 250 OK\nC: DATA\n"
        "C: Subject: early\nC: .\nS: 354 End data with <CR><LF>.<CR><LF>\nS: 250 OK",
        rules=["content-before-354"],
    ),
    Case(
        "BDAT (CHUNKING) after an accepted RCPT",
        POSTFIX + "C: MAIL FROM:<c@example.com>\nS: 250 2.1.0 Ok\nC: RCPT TO:<a@example.com>\nS: 250 2.1.5 Ok\n"
        "C: BDAT 12 LAST\nC: Subject: x\nS: 250 2.0.0 Ok: 12 bytes queued\nC: QUIT\nS: 221 2.0.0 Bye",
    ),
    Case(
        "BDAT with no recipient",
        POSTFIX + "C: MAIL FROM:<c@example.com>\nS: 250 2.1.0 Ok\nC: BDAT 12 LAST\nC: Subject: x\n"
        "S: 554 5.5.1 Error: no valid recipients",
        rules=["rcpt-before-data"],
        refused=[("BDAT", 554, "5.5.1")],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_given_a_realistic_transcript_when_validated_then_exactly_the_expected_findings(case: Case) -> None:
    # Given a transcript, When it is validated
    report = validate(script(case.text), tls_required=case.tls_required)
    # Then the client violations, the server's sequence refusals and its out-of-order acceptances match
    assert [v.rule.value for v in report.violations] == case.rules
    assert [(r.command.split()[0], r.code, r.enhanced) for r in report.server_refusals] == case.refused
    assert [a.command.split()[0] for a in report.server_acceptances] == case.accepted_out_of_order
    faulty = bool(case.rules or case.accepted_out_of_order or (case.refused and not case.correct_refusal))
    assert report.valid is not faulty
    assert [r.expected for r in report.server_refusals] == [case.correct_refusal] * len(case.refused)


def test_given_a_violation_when_reported_then_it_names_the_command_and_its_line() -> None:
    # Given Postfix's RCPT-before-MAIL exchange
    transcript = script(POSTFIX + "C: RCPT TO:<a@example.com>\nS: 503 5.5.1 Error: need MAIL command")
    # When validated
    (violation,) = validate(transcript).violations
    # Then the violation points at the RCPT line, and the refusal says what the server said
    assert transcript.lines[violation.index].text == "RCPT TO:<a@example.com>"
    assert violation.command == "RCPT TO:<a@example.com>"
    assert violation.position == violation.index + 1
    assert "no accepted MAIL" in violation.explanation
    (refusal,) = validate(transcript).server_refusals
    assert refusal.confirms is Rule.MAIL_BEFORE_RCPT
    assert "503 5.5.1" in refusal.explanation
    assert "need MAIL command" in refusal.explanation


def test_given_auth_with_an_initial_response_when_reported_then_the_secret_is_not_shown() -> None:
    # Given AUTH PLAIN in clear text with a base64 secret
    secret = "AGNhbmFyeQBzM2NyM3Q="
    transcript = script(f"{POSTFIX}C: AUTH PLAIN {secret}\nS: 503 5.5.1 Error: authentication not enabled")
    # When validated and serialised
    report = validate(transcript)
    # Then the command is shown with its mechanism only
    assert {v.command for v in report.violations} == {"AUTH PLAIN <redacted>"}
    assert secret not in repr(report)
    assert secret not in str(report.to_dict())


def test_given_the_json_form_when_built_then_it_carries_rule_names_and_references() -> None:
    report = validate(script(POSTFIX + "C: DATA\nS: 503 5.5.1 Error: need RCPT command"))
    data = report.to_dict()
    assert data["valid"] is False
    assert data["violations"][0]["rule"] == "rcpt-before-data"
    assert data["violations"][0]["reference"].startswith("RFC 5321")
    assert data["server_refusals"][0] == {
        "expected": False,
        "index": report.server_refusals[0].index,
        "command": "DATA",
        "code": 503,
        "enhanced": "5.5.1",
        "reply": "503 5.5.1 Error: need RCPT command",
        "confirms": "rcpt-before-data",
        "explanation": report.server_refusals[0].explanation,
    }


def test_given_every_rule_when_listed_then_each_has_a_stable_kebab_name_and_a_reference() -> None:
    for rule in Rule:
        assert rule.value == rule.name.lower().replace("_", "-")
        assert rule.reference.startswith("RFC ")
