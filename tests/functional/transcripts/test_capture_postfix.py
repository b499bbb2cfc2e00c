"""Postfix's own log (debug_peer_list = 127.0.0.1, set by scripts/postfix-lab.sh) of real sessions, judged.

Each scenario's client is smtplib (or a raw socket for a client that talks before the greeting) against the
lab Postfix on 127.0.0.1:2525; the test reads what Postfix appended to its log, which may also hold other
tests' sessions: the reader separates sessions by smtpd process, and the test picks its own by a token.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from capture_lab import SMTPLIB_SCRIPT
from judge import judge, rules_of

pytestmark = pytest.mark.postfix

# scenario -> rules Postfix's log shows broken (server side: the lab Postfix accepts MAIL without EHLO)
EXPECTED: dict[str, set[str]] = {
    "ok": set(),
    "refused-recipient": set(),
    "data-before-rcpt": {"rcpt-before-data"},
    "rcpt-before-mail": {"mail-before-rcpt"},
    "mail-before-ehlo": {"helo-before-mail"},
    "auth-before-tls": {"auth-not-advertised", "auth-before-tls"},
}
# A client talking before the greeting is caught by Postfix only when its EHLO arrives before smtpd writes
# the 220, a race on loopback; a real capture of it is kept in tests/data/transcripts (early-talker).


def _session_log(log: Path, start: int, token: str) -> tuple[bytes, str]:
    """What Postfix logged since `start` once the session holding `token` has disconnected, and its pid."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with log.open("rb") as handle:
            handle.seek(start)
            chunk = handle.read()
        found = re.search(rb"smtpd\[(\d+)\]: [<>] [^\n]*" + re.escape(token.encode()), chunk)
        if found and re.search(rb"smtpd\[" + found[1] + rb"\]: disconnect from", chunk[found.end() :]):
            return chunk, found[1].decode()
        time.sleep(0.1)
    pytest.fail(f"Postfix logged no finished session with {token} in {log}")


def capture(postfix_lab, tmp_path: Path, scenario: str) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    token = f"c{uuid.uuid4().hex[:10]}"
    start = postfix_lab.log_path.stat().st_size
    addresses = [f"{token}@example.com", "root@localhost", f"nobody-{token}@localhost"]
    args = [sys.executable, SMTPLIB_SCRIPT, postfix_lab.host, str(postfix_lab.port), "0", scenario, "-"]
    done = subprocess.run([*args, *addresses], capture_output=True, timeout=60, check=False)
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    chunk, pid = _session_log(postfix_lab.log_path, start, token)  # the EHLO name and the sender carry it
    path = tmp_path / f"{scenario}.postfix.log"
    path.write_bytes(chunk)
    return path, pid


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_given_postfix_debug_log_of_a_scenario_when_checked_then_its_session_is_judged(
    postfix_lab,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,  # type: ignore[no-untyped-def]
) -> None:
    # Given the lab Postfix's own log of one scenario (possibly among other sessions)
    path, pid = capture(postfix_lab, tmp_path, name)
    # When the log is checked
    _, report = judge(path, capsys)
    # Then it is read as a Postfix log with one verdict per session, and ours names exactly the broken rules
    assert report["format"] == "postfix"
    ours = [s for s in report["sessions"] if s["session"].startswith(f"smtpd[{pid}]")]
    assert ours, report
    session = ours[-1]
    assert rules_of(session) == EXPECTED[name]
    assert session["valid"] is (not EXPECTED[name])


def test_given_mail_before_ehlo_when_postfix_accepts_it_then_the_acceptance_is_reported_as_the_servers(
    postfix_lab,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    path, pid = capture(postfix_lab, tmp_path, "mail-before-ehlo")
    _, report = judge(path, capsys)
    (session,) = [s for s in report["sessions"] if s["session"].startswith(f"smtpd[{pid}]")]
    (accepted,) = session["server_acceptances"]
    assert accepted["rule"] == "helo-before-mail"
    assert accepted["reply"].startswith("250")
    assert session["server_refusals"] == []


def test_given_a_refused_recipient_when_postfix_logs_it_then_it_is_no_sequence_error(
    postfix_lab,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    path, pid = capture(postfix_lab, tmp_path, "refused-recipient")
    assert b"550 5.1.1" in path.read_bytes()
    _, report = judge(path, capsys)
    (session,) = [s for s in report["sessions"] if s["session"].startswith(f"smtpd[{pid}]")]
    assert (session["valid"], session["server_refusals"], session["violations"]) == (True, [], [])
