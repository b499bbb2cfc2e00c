"""Properties of the sequence validator over generated SMTP sessions.

A plan describes a session (EHLO extensions, optional STARTTLS and AUTH, one to three transactions,
pipelined or not); `render` turns it into the transcript a client and a Postfix-like server would write.
Mutations then break exactly one ordering rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcanary.smtp import Direction, Rule, SequenceReport, Transcript, TranscriptLine, validate

EXTENSIONS = ["SIZE 35882577", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "DSN", "CHUNKING"]
LOOKALIKES = ["RCPT TO:<x@example.com>", "QUIT", "DATA", "MAIL FROM:<y@example.com>", "RSET", "", "Subject: canary"]


@dataclass(frozen=True)
class Txn:
    rcpts: tuple[bool, ...]  # accepted or refused, in order
    data: bool  # ends with DATA (else with RSET)
    content: tuple[str, ...]
    pipelined: bool
    order: tuple[str, ...] = ()  # mutated command order, e.g. ("MAIL", "DATA", "RCPT0", "RCPT1")
    data_reply: str = "normal"  # "refuse" (503) or "accept" (354) when DATA was moved
    early_rcpt_reply: str = "refuse"  # reply to an RCPT moved before MAIL: "refuse" (503) or "accept"


@dataclass(frozen=True)
class Plan:
    exts: tuple[str, ...]
    starttls: bool
    auth: str | None  # None, "PLAIN" or "LOGIN"
    txns: tuple[Txn, ...]
    noops: tuple[bool, ...] = field(default=())


class _Writer:
    def __init__(self) -> None:
        self.lines: list[TranscriptLine] = []
        self.tls = False

    def c(self, text: str) -> None:
        self.lines.append(TranscriptLine(float(len(self.lines)), Direction.CLIENT, text, self.tls))

    def s(self, *texts: str) -> None:
        for text in texts:
            self.lines.append(TranscriptLine(float(len(self.lines)), Direction.SERVER, text, self.tls))

    def ehlo(self, exts: list[str]) -> None:
        self.c("EHLO canary.example")
        names = ["mx.example.com", *exts]
        self.s(*[f"250-{n}" for n in names[:-1]], f"250 {names[-1]}")


def _default_order(txn: Txn) -> tuple[str, ...]:
    return ("MAIL", *[f"RCPT{i}" for i in range(len(txn.rcpts))], *(["DATA"] if txn.data else []))


def _replies(txn: Txn, command: str, mail_sent: bool) -> list[str]:
    if command == "MAIL":
        return ["250 2.1.0 Ok"]
    if command.startswith("RCPT"):
        if not mail_sent and txn.early_rcpt_reply == "refuse":
            return ["503 5.5.1 Error: need MAIL command"]
        if txn.rcpts[int(command[4:])]:
            return ["250 2.1.5 Ok"]
        return ["550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table"]
    if txn.data_reply == "refuse":
        return ["503 5.5.1 Error: need RCPT command"]
    return ["354 End data with <CR><LF>.<CR><LF>"]


def _text(command: str) -> str:
    if command == "MAIL":
        return "MAIL FROM:<canary@example.com>"
    if command.startswith("RCPT"):
        return f"RCPT TO:<r{command[4:]}@example.com>"
    return "DATA"


def _transaction(w: _Writer, txn: Txn) -> None:
    order = txn.order or _default_order(txn)
    groups: list[list[str]] = [[]]
    for command in order:  # one command per group, or pipelined groups that end at DATA (RFC 2920)
        groups[-1].append(command)
        if command == "DATA" or not txn.pipelined:
            groups.append([])
    mail_sent = False
    for group in (g for g in groups if g):
        for command in group:
            w.c(_text(command))
        for command in group:
            w.s(*_replies(txn, command, mail_sent))
            mail_sent = mail_sent or command == "MAIL"
        if group[-1] == "DATA" and txn.data_reply != "refuse":
            for line in txn.content:
                w.c("." + line if line.startswith(".") else line)
            w.c(".")
            w.s("250 2.0.0 Ok: queued as 4Xyz")
    if not txn.data:
        w.c("RSET")
        w.s("250 2.0.0 Ok")


def render(plan: Plan) -> Transcript:
    w = _Writer()
    w.s("220 mx.example.com ESMTP Postfix (Debian/GNU)")
    w.ehlo([*plan.exts, *(["STARTTLS"] if plan.starttls else []), *(["AUTH PLAIN LOGIN"] if plan.auth else [])])
    if plan.starttls:
        w.c("STARTTLS")
        w.s("220 2.0.0 Ready to start TLS")
        w.tls = True
        w.ehlo([*plan.exts, *(["AUTH PLAIN LOGIN"] if plan.auth else [])])
    if plan.auth == "PLAIN":
        w.c("AUTH PLAIN AGNhbmFyeQBzM2NyM3Q=")
        w.s("235 2.7.0 Authentication successful")
    elif plan.auth == "LOGIN":
        w.c("AUTH LOGIN")
        w.s("334 VXNlcm5hbWU6")
        w.c("Y2FuYXJ5")
        w.s("334 UGFzc3dvcmQ6")
        w.c("czNjcjN0")
        w.s("235 2.7.0 Authentication successful")
    for n, txn in enumerate(plan.txns):
        _transaction(w, txn)
        if n < len(plan.noops) and plan.noops[n]:
            w.c("NOOP")
            w.s("250 2.0.0 Ok")
    w.c("QUIT")
    w.s("221 2.0.0 Bye")
    return Transcript(tuple(w.lines))


content_lines = st.lists(
    st.one_of(st.sampled_from(LOOKALIKES), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)),
    max_size=6,
).map(tuple)


@st.composite
def transactions(draw: st.DrawFn, pipelining: bool, last: bool) -> Txn:
    rcpts = list(draw(st.lists(st.booleans(), min_size=1, max_size=4)))
    data = last or draw(st.booleans())
    if data and not any(rcpts):
        rcpts[draw(st.integers(0, len(rcpts) - 1))] = True
    return Txn(tuple(rcpts), data, draw(content_lines), pipelining and draw(st.booleans()))


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    pipelining = draw(st.booleans())
    exts = draw(st.lists(st.sampled_from(EXTENSIONS), unique=True, max_size=3))
    count = draw(st.integers(1, 3))
    txns = tuple(draw(transactions(pipelining, last=n == count - 1)) for n in range(count))
    return Plan(
        exts=tuple([*exts, *(["PIPELINING"] if pipelining else [])]),
        starttls=draw(st.booleans()),
        auth=draw(st.sampled_from([None, "PLAIN", "LOGIN"])),
        txns=txns,
        noops=tuple(draw(st.lists(st.booleans(), min_size=count, max_size=count))),
    )


def _check(plan: Plan) -> SequenceReport:
    # AUTH in clear text is only a violation when TLS is required: require it when the plan uses STARTTLS
    return validate(render(plan), tls_required=plan.starttls)


@given(plans())
def test_property_generated_valid_sessions_pass(plan: Plan) -> None:
    report = _check(plan)
    assert report.violations == ()
    assert report.server_refusals == ()
    assert report.server_acceptances == ()
    assert report.valid


@given(plans(), st.data())
def test_property_data_before_the_first_accepted_rcpt_is_always_flagged(plan: Plan, data: st.DataObject) -> None:
    # Given a valid session, When DATA of one transaction is moved before its first accepted RCPT
    candidates = [n for n, txn in enumerate(plan.txns) if txn.data]
    n = data.draw(st.sampled_from(candidates))
    txn = plan.txns[n]
    first_ok = txn.rcpts.index(True)
    at = data.draw(st.integers(1, 1 + first_ok))  # anywhere after MAIL, up to just before that RCPT
    order = [c for c in _default_order(txn) if c != "DATA"]
    order.insert(at, "DATA")
    moved = replace(txn, order=tuple(order), data_reply=data.draw(st.sampled_from(["refuse", "accept"])))
    report = _check(replace(plan, txns=(*plan.txns[:n], moved, *plan.txns[n + 1 :])))
    # Then the client's fault is named whenever the client could know; otherwise the server's answer is
    rcpts_in_group = at > 1 and txn.pipelined  # refused RCPTs still awaiting replies: RFC 2920 allows this
    if not rcpts_in_group:
        assert not report.valid
        assert Rule.RCPT_BEFORE_DATA in report.rules
    else:
        server_side = {r.command for r in report.server_refusals} | {a.command for a in report.server_acceptances}
        assert Rule.RCPT_BEFORE_DATA in report.rules or "DATA" in server_side


@given(plans(), st.data())
def test_property_rcpt_before_mail_is_always_flagged(plan: Plan, data: st.DataObject) -> None:
    # Given a valid session, When one transaction's first RCPT is moved before its MAIL
    n = data.draw(st.integers(0, len(plan.txns) - 1))
    txn = plan.txns[n]
    order = list(_default_order(txn))
    order[0], order[1] = order[1], order[0]
    moved = replace(txn, order=tuple(order), early_rcpt_reply=data.draw(st.sampled_from(["refuse", "accept"])))
    report = _check(replace(plan, txns=(*plan.txns[:n], moved, *plan.txns[n + 1 :])))
    # Then mail-before-rcpt is reported, at that RCPT
    assert Rule.MAIL_BEFORE_RCPT in report.rules
    flagged = [v for v in report.violations if v.rule is Rule.MAIL_BEFORE_RCPT]
    assert flagged[0].command == "RCPT TO:<r0@example.com>"


FRAGMENTS = [
    "220 mx",
    "250-PIPELINING",
    "250-STARTTLS",
    "250 AUTH PLAIN",
    "250 OK",
    "354 go ahead",
    "334 VXNlcm5hbWU6",
    "503 5.5.1 Error: need RCPT command",
    "554 5.5.1 Error: no valid recipients",
    "421 4.4.2 timeout",
    "EHLO x",
    "HELO x",
    "MAIL FROM:<a@b>",
    "RCPT TO:<c@d>",
    "DATA",
    ".",
    "BDAT 5 LAST",
    "BDAT 99999999999999999999",
    "BDAT x",
    "AUTH LOGIN",
    "AUTH PLAIN eA==",
    "STARTTLS",
    "RSET",
    "QUIT",
    "",
    "   ",
]


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Direction)),
            st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)),
            st.booleans(),
        ),
        max_size=40,
    ),
    st.booleans(),
)
def test_property_the_validator_never_raises(items: list[tuple[Direction, str, bool]], tls_required: bool) -> None:
    # Given any transcript at all, When validated, Then a report comes back whose positions are real lines
    transcript = Transcript(tuple(TranscriptLine(float(n), d, t, tls) for n, (d, t, tls) in enumerate(items)))
    report = validate(transcript, tls_required=tls_required)
    assert isinstance(report, SequenceReport)
    for finding in (*report.violations, *report.server_refusals, *report.server_acceptances):
        assert transcript.lines[finding.index].direction is Direction.CLIENT
