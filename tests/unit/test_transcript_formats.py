"""Every capture format: the committed real samples (see tests/data/transcripts/README.md), detection, and
bad input (unknown formats, deep JSON, non-UTF-8 bytes, stdin, random bytes for each reader) giving exit 2
with one line, never a traceback."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcanary.cli import main
from mailcanary.smtp.transcript_formats import FORMATS
from mailcanary.smtp.transcript_formats.base import redacted_log_text
from mailcanary.smtp.transcript_formats.postfix_log import READER as POSTFIX

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "transcripts"

# sample -> (format, rules named by the verdict: client violations, server acceptances, log findings)
EXPECTED = {
    "ok.smtplib.txt": ("smtplib", set()),
    "pipelining-not-advertised.smtplib.txt": ("smtplib", {"pipelining-not-advertised"}),
    "ok.nodemailer.txt": ("nodemailer", set()),
    "pipelining-not-advertised.nodemailer.txt": ("nodemailer", {"pipelining-not-advertised"}),
    "ok.phpmailer.txt": ("phpmailer", set()),
    "pipelining-not-advertised.phpmailer.txt": ("phpmailer", {"pipelining-not-advertised"}),
    "ok.postfix.log": ("postfix", set()),
    "mail-before-ehlo.postfix.log": ("postfix", {"helo-before-mail"}),
    "early-talker.postfix.log": ("postfix", {"greeting-before-helo"}),
}


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    try:
        if stdin is not None:
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check-transcript", *args])
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


def _rules(session: dict) -> set[str]:  # type: ignore[type-arg]
    named = {v["rule"] for v in session["violations"]}
    named |= {a["rule"] for a in session["server_acceptances"] if a.get("rule")}
    return named | {n["rule"] for n in session["log_findings"]}


def _sessions(report: dict) -> list[dict]:  # type: ignore[type-arg]
    return list(report.get("sessions", [report]))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_given_a_real_capture_when_checked_then_format_and_rules_are_the_expected_ones(name: str) -> None:
    fmt, rules = EXPECTED[name]
    code, out, err = run("--json", str(SAMPLES / name))
    report = json.loads(out)
    assert report["format"] == fmt
    assert [_rules(s) for s in _sessions(report)] == [rules]
    assert code == (1 if rules else 0), err


def test_given_the_real_tcpdump_capture_when_checked_on_its_port_then_data_before_rcpt_is_found() -> None:
    (path,) = SAMPLES.glob("data-before-rcpt.port-*.pcap")
    port = path.name.split("port-")[1].split(".")[0]
    code, out, _ = run("--json", "--port", port, str(path))
    (session,) = json.loads(out)["sessions"]
    assert (code, _rules(session)) == (1, {"rcpt-before-data"})
    assert session["server_refusals"][0]["confirms"] == "rcpt-before-data"
    # Without --port the capture holds no SMTP port: nothing is judged, which is said, not hidden
    code, out, _ = run(str(path))
    assert (code, out.strip().endswith("0 sessions (pcap): 0 valid, 0 invalid")) == (0, True)


# real Exim 4.96 and OpenSMTPD 6.8 output (see scripts/capture_mta_logs.py): format -> rules of each session
SERVER_LOGS = {
    "sessions.exim-d.log": (
        "exim",
        [
            set(),
            {"rcpt-before-data"},
            {"mail-before-rcpt"},
            {"helo-before-mail"},
            {"auth-not-advertised", "auth-before-tls"},
            {"greeting-before-helo"},  # only Exim's LOG: MAIN line in its debug output says so
            {"pipelining-not-advertised"},  # the same
        ],
    ),
    "sessions.opensmtpd-T-smtp.log": ("opensmtpd", [{"helo-before-mail"}, set(), {"rcpt-before-data"}]),
    "mainlog.exim.log": (
        "exim-mainlog",
        [
            {"mail-before-rcpt"},
            {"helo-before-mail"},
            {"auth-not-advertised"},
            {"greeting-before-helo"},
            {"pipelining-not-advertised"},
        ],
    ),
}
CAPTURE_AUTH_RESPONSE = "AGNhbmFyeQBub3QtYS1zZWNyZXQ="  # the capture's dummy AUTH PLAIN response


@pytest.mark.parametrize("name", sorted(SERVER_LOGS))
def test_given_a_server_debug_log_of_interleaved_sessions_when_checked_then_each_session_is_judged(name: str) -> None:
    fmt, rules = SERVER_LOGS[name]
    code, out, _ = run("--json", str(SAMPLES / name))
    report = json.loads(out)
    assert report["format"] == fmt
    assert sorted(map(sorted, (_rules(s) for s in report["sessions"]))) == sorted(map(sorted, rules))
    assert code == 1
    assert report["sessions_judged"] == len(rules)


@pytest.mark.parametrize("name", ["sessions.exim-d.log", "mainlog.exim.log"])
@pytest.mark.parametrize("as_json", [False, True])
def test_given_a_server_log_quoting_an_auth_response_when_checked_then_the_response_is_masked(
    name: str, as_json: bool
) -> None:
    # Given Exim's own logs, which quote the AUTH PLAIN command a client sent when AUTH was not advertised
    assert CAPTURE_AUTH_RESPONSE in (SAMPLES / name).read_text()
    # When checked; Then the finding is reported with its mechanism, and the response is masked
    _, out, err = run(*(["--json"] if as_json else []), str(SAMPLES / name))
    assert CAPTURE_AUTH_RESPONSE not in out + err
    assert "AUTH PLAIN <redacted>" in out


def test_given_every_sample_folder_file_when_listed_then_each_is_covered() -> None:
    covered = set(EXPECTED) | set(SERVER_LOGS) | {p.name for p in SAMPLES.glob("*.swaks.txt")} | {"README.md"}
    covered |= {p.name for p in SAMPLES.glob("data-before-rcpt.port-*.pcap")}
    assert {p.name for p in SAMPLES.iterdir()} == covered


def test_given_list_formats_when_asked_then_every_format_is_named() -> None:
    code, out, _ = run("--list-formats")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == list(FORMATS)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello, this is not SMTP\n", "format not recognised"),
        (b"\x00\xff\xfe\x80binary\xc3\x28", "format not recognised"),
        (b"[" * 200_000, "format not recognised"),
        (b'{"a":' * 200_000, "nested too deeply"),
        (b"", "format not recognised"),
    ],
    ids=["text", "non-utf8", "deep-list", "deep-object", "empty"],
)
@pytest.mark.parametrize("via_stdin", [False, True], ids=["file", "stdin"])
def test_given_unreadable_input_when_checked_then_exit_2_with_one_line(
    tmp_path: Path, content: bytes, message: str, via_stdin: bool
) -> None:
    path = tmp_path / "capture"
    path.write_bytes(content)
    code, out, err = run("-", stdin=content) if via_stdin else run(str(path))
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert message in err
    if message == "format not recognised":
        assert all(name in err for name in FORMATS)


def test_given_a_nodemailer_log_when_checked_then_it_is_not_taken_for_json() -> None:
    code, out, err = run(str(SAMPLES / "ok.nodemailer.txt"))
    assert (code, err) == (0, "")
    assert "nodemailer" in out


def test_given_8bit_content_on_stdin_when_checked_then_it_is_judged() -> None:
    content = (SAMPLES / "plain-ok.swaks.txt").read_bytes().replace(b"This is a test", b"Gr\xfc\xdfe, latin-1")
    code, out, _ = run("-", stdin=content)
    assert code == 0
    assert "valid" in out


def test_given_a_forced_format_that_does_not_fit_when_checked_then_exit_2_naming_the_line() -> None:
    code, _, err = run("--format", "swaks", str(SAMPLES / "ok.phpmailer.txt"))
    assert code == 2
    assert "line 1: not a swaks transcript line" in err
    code, _, err = run("--format", "nonsense", str(SAMPLES / "ok.phpmailer.txt"))
    assert (code, "unknown format 'nonsense'" in err) == (2, True)


_FRAGMENTS = [
    b"-> EHLO x\n",
    b"<- 250-PIPELINING\n",
    b"<- 354 go\n",
    b"send: 'MAIL FROM:<a@b>\\r\\n'\n",
    b"send: b'x\\r\\n.\\r\\n'\n",
    b"reply: b'503 5.5.1 need\\r\\n'\n",
    b"reply: b'\n",
    b"[2026-12-04 14:00:20] DEBUG [id] C: DATA\n",
    b"[2026-12-04 14:00:20] DEBUG [id] S: 354 go\n",
    b"[2026-12-04 14:00:20] DEBUG [id] .\n",
    b"2026-12-04 14:00:27\tCLIENT -> SERVER: RCPT TO:<a@b>\n",
    b"2026-12-04 14:00:27\tSERVER -> CLIENT: 250-x\n",
    b"                   \t                  250 y\n",
    b"Dec 04 13:55:29 h postfix/smtpd[1]: connect from h[127.0.0.1]\n",
    b"Dec 04 13:55:29 h postfix/smtpd[1]: < h[127.0.0.1]: DATA\n",
    b"Dec 04 13:55:29 h postfix/smtpd[2]: > h[127.0.0.1]: 554 5.5.1 no\n",
    b"Dec 04 13:55:29 h postfix/smtpd[1]: improper command pipelining after EHLO from h[1]: x\n",
    b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00",
    b"\x0a\x0d\x0d\x0a",
    b"\xff\xfe\x00",
    b'{"transcript": [',
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from([None, *FORMATS]),
    parts=st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.binary(max_size=40)), max_size=30),
)
def test_property_any_bytes_give_a_verdict_or_exit_2_never_a_traceback(fmt: str | None, parts: list[bytes]) -> None:
    # Given any bytes, made of real format fragments and noise; When checked (detected or forced format)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "capture"
        path.write_bytes(b"".join(parts))
        code, _, err = run(*(["--format", fmt] if fmt else []), "--port", "25", str(path))
    # Then a verdict (0/1) or exit 2 with one line
    assert code in (0, 1, 2)
    if code == 2:
        assert len(err.strip().splitlines()) == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_a_real_pcap_cut_or_corrupted_never_gives_a_traceback(data: st.DataObject) -> None:
    (path,) = SAMPLES.glob("data-before-rcpt.port-*.pcap")
    raw = bytearray(path.read_bytes())
    cut = data.draw(st.integers(24, len(raw)))
    for _ in range(data.draw(st.integers(0, 8))):
        raw[data.draw(st.integers(24, len(raw) - 1))] = data.draw(st.integers(0, 255))
    with tempfile.TemporaryDirectory() as tmp:
        mangled = Path(tmp) / "mangled.pcap"
        mangled.write_bytes(bytes(raw[:cut]))
        code, _, err = run("--port", path.name.split("port-")[1].split(".")[0], str(mangled))
    assert code in (0, 1, 2)
    if code == 2:
        assert len(err.strip().splitlines()) == 1


def test_postfix_lines_of_other_processes_with_dialogue_like_text_are_not_read_as_dialogue() -> None:
    # Given a Postfix log whose non-smtpd lines carry `]: < ` text, one with a real smtpd line after it
    log = (
        b"Dec 04 13:55:29 h postfix/smtpd[7]: connect from h[127.0.0.1]\n"
        b"Dec 04 13:55:29 h postfix/smtpd[7]: > h[127.0.0.1]: 220 h ESMTP\n"
        b"Dec 04 13:55:29 h postfix/cleanup[12]: < h[127.0.0.1]: RSET\n"
        b"Dec 04 13:55:29 h postfix/cleanup[12]: x smtpd[7]: < h[127.0.0.1]: EHLO me\n"
        b"Dec 04 13:55:29 h postfix/smtpd[ab]: < h[127.0.0.1]: NOOP\n"
        b"Dec 04 13:55:29 h postfix/smtpd[7]: > h[127.0.0.1]: 250 h\n"
        b"Dec 04 13:55:29 h postfix/smtpd[7]: disconnect from h[127.0.0.1]\n"
    )
    # When read
    (session,) = POSTFIX.read(io.BytesIO(log))
    # Then only smtpd[pid] dialogue counts, found wherever it sits on its line, with its own line number
    assert [line.text for line in session.transcript] == ["220 h ESMTP", "EHLO me", "250 h"]
    assert session.source_lines == (2, 4, 6)
    assert session.label == "smtpd[7] h[127.0.0.1]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'SMTP protocol error in "AUTH PLAIN AGNhbmFyeQBzZWNyZXQ=" H=[192.0.2.1] AUTH command used when not',
            'SMTP protocol error in "AUTH PLAIN <redacted>" H=[192.0.2.1] AUTH command used when not',
        ),
        (
            "improper command pipelining after EHLO from c[192.0.2.1]: auth login dXNlcg==\\r\\nQUIT\\r\\n",
            "improper command pipelining after EHLO from c[192.0.2.1]: auth login <redacted>\\r\\nQUIT\\r\\n",
        ),
        ('rejected "MAIL FROM:<a@example.com>" next input="RCPT TO:<b@example.com>"', None),
    ],
)
def test_given_a_log_text_quoting_an_auth_response_when_shown_then_only_the_response_is_masked(
    text: str, expected: str | None
) -> None:
    assert redacted_log_text(text) == (text if expected is None else expected)
