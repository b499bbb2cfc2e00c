"""Hostile SMTP servers on 127.0.0.1: every stage ends within its timeout, bounded in memory, with its exit code.

Driven twice: through the library (`send_canary`, memory measured with tracemalloc) and through
`mailcanary smtp-probe` as a real subprocess (its peak RSS read from `wait4`). The time bound is a correctness
bound (the stage's timeout plus a second of slack), not a speed target.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass

import misbehaving_smtp as hostile
import pytest

from mailcanary.core.secret import Secret
from mailcanary.smtp import ExitCode, SmtpTarget, Stage, Timeouts, TlsMode, send_canary
from mailcanary.smtp.probe_message import build_probe_message

TIMEOUT = 2.0  # every stage's timeout, in both drivers
SLACK = 1.0
MEMORY_BOUND = 50 * 1024 * 1024
SENDER, TO = "canary@example.com", "to@example.com"
MESSAGE = build_probe_message(SENDER, [TO], [], [])


@dataclass(frozen=True)
class Case:
    behaviour: hostile.Behaviour
    tls: TlsMode
    stage: Stage
    exit_code: ExitCode
    error: str  # a fragment of the one-line error


CASES = {
    "close-before-banner": Case(
        hostile.close_before_banner, TlsMode.NONE, Stage.BANNER, ExitCode.BANNER, "closed before the banner"
    ),
    "endless-banner": Case(hostile.endless_banner, TlsMode.NONE, Stage.BANNER, ExitCode.BANNER, "reply longer than"),
    "dripped-banner": Case(
        hostile.dripped_banner, TlsMode.NONE, Stage.BANNER, ExitCode.BANNER, "timed out: banner not complete after 2 s"
    ),
    "endless-reply-slow": Case(
        hostile.endless_reply_slow,
        TlsMode.NONE,
        Stage.EHLO,
        ExitCode.HELO,
        "timed out: reply to EHLO not complete after 2 s",
    ),
    "endless-reply-fast": Case(
        hostile.endless_reply_fast, TlsMode.NONE, Stage.EHLO, ExitCode.HELO, "reply longer than 64 KiB"
    ),
    "megabyte-line": Case(
        hostile.megabyte_line, TlsMode.NONE, Stage.EHLO, ExitCode.HELO, "reply line longer than 4096 octets"
    ),
    "non-numeric-code": Case(
        hostile.non_numeric_reply, TlsMode.NONE, Stage.EHLO, ExitCode.HELO, "protocol error during EHLO"
    ),
    "mismatched-codes": Case(
        hostile.mismatched_codes, TlsMode.NONE, Stage.EHLO, ExitCode.HELO, "changes its code from 250 to 550"
    ),
    "starttls-then-plaintext": Case(
        hostile.starttls_then_plaintext,
        TlsMode.REQUIRED,
        Stage.STARTTLS,
        ExitCode.TLS,
        "clear text after the 220 to STARTTLS",
    ),
    "starttls-then-late-plaintext": Case(
        hostile.starttls_then_late_plaintext, TlsMode.REQUIRED, Stage.STARTTLS, ExitCode.TLS, "TLS failed"
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_given_hostile_server_when_session_runs_then_it_ends_in_time_bounded_with_the_stage_exit_code(
    name: str,
) -> None:
    case = CASES[name]
    # Given a server that misbehaves in one way
    with hostile.hostile_server(case.behaviour) as server:
        target = SmtpTarget("127.0.0.1", server.port, tls=case.tls, timeouts=Timeouts.uniform(TIMEOUT))
        # When the library sends a canary to it
        tracemalloc.start()
        started = time.monotonic()
        try:
            result = send_canary(target, SENDER, MESSAGE.envelope_recipients, MESSAGE.content)
        finally:
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    # Then the session ended at the stage the misbehaviour hit, within the stage's timeout, memory bounded
    assert (result.stage, result.exit_code) == (case.stage, case.exit_code), result.error
    assert case.error in (result.error or "")
    assert elapsed < TIMEOUT + SLACK
    assert peak < MEMORY_BOUND


def test_given_round_budget_spent_when_session_runs_then_it_stops_at_the_budget_not_the_stage_timeout() -> None:
    # Given a dripping banner and a stage timeout far beyond a 1 s budget
    with hostile.hostile_server(hostile.dripped_banner) as server:
        target = SmtpTarget("127.0.0.1", server.port, tls=TlsMode.NONE, timeouts=Timeouts.uniform(30))
        started = time.monotonic()
        # When the session runs with the budget's end as its `not_after`
        result = send_canary(target, SENDER, [TO], MESSAGE.content, not_after=started + 1.0)
        elapsed = time.monotonic() - started
    # Then it ends at the budget, at the banner, saying so
    assert result.exit_code is ExitCode.BANNER
    assert "timed out: banner not complete when the round's time budget ran out" in (result.error or "")
    assert elapsed < 1.0 + SLACK


def test_given_server_silent_after_the_password_when_session_runs_then_auth_times_out_naming_no_secret() -> None:
    # Given a server that takes the AUTH LOGIN password and never answers
    password = "hostile-Pa55word"
    with hostile.hostile_server(hostile.auth_then_silence) as server:
        target = SmtpTarget(
            "127.0.0.1",
            server.port,
            tls=TlsMode.NONE,
            username="canary-user",
            password=Secret(password),
            timeouts=Timeouts.uniform(TIMEOUT),
            allow_auth_without_tls=True,
        )
        started = time.monotonic()
        # When the session authenticates
        result = send_canary(target, SENDER, [TO], MESSAGE.content)
        elapsed = time.monotonic() - started
    # Then AUTH fails at its timeout, and neither the error nor the transcript holds the credentials
    assert result.exit_code is ExitCode.AUTH
    assert result.error == "timed out: reply to AUTH continuation not complete after 2 s (during AUTH)"
    assert elapsed < TIMEOUT + SLACK
    encoded = base64.b64encode(password.encode()).decode()
    assert all(password not in line.text and encoded not in line.text for line in result.transcript)


@dataclass(frozen=True)
class Probe:
    returncode: int
    stdout: str
    stderr: str
    elapsed: float
    max_rss: int  # bytes


def _probe(port: int, tls: TlsMode, *extra: str) -> Probe:
    """`python -m mailcanary smtp-probe` against 127.0.0.1:port, its own peak RSS from wait4."""
    command = [sys.executable, "-m", "mailcanary", "smtp-probe", "--server", f"127.0.0.1:{port}"]
    command += ["--tls", tls.value, "--from", SENDER, "--to", TO, "--timeout", str(TIMEOUT), *extra]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        elapsed = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Probe(process.returncode, out.read().decode(), err.read().decode(), elapsed, usage.ru_maxrss * 1024)


@pytest.fixture(scope="module")
def baseline() -> Probe:
    """The same command against a server that hangs up at once: the interpreter's own start-up time and memory."""
    with hostile.hostile_server(hostile.close_before_banner) as server:
        return _probe(server.port, TlsMode.NONE)


@pytest.mark.parametrize("name", list(CASES))
def test_given_hostile_server_when_smtp_probe_runs_then_it_exits_in_time_with_the_documented_code(
    name: str, baseline: Probe
) -> None:
    case = CASES[name]
    # Given a server that misbehaves in one way
    with hostile.hostile_server(case.behaviour) as server:
        # When `mailcanary smtp-probe --timeout 2` runs against it as a real process
        probe = _probe(server.port, case.tls)
    # Then it exits with the stage's code, says why in its verdict, without a traceback, in time and memory
    assert probe.returncode == int(case.exit_code), probe.stdout + probe.stderr
    assert case.error in probe.stdout
    assert "Traceback" not in probe.stderr
    assert probe.stderr == ""
    assert probe.elapsed < TIMEOUT + SLACK + baseline.elapsed
    assert probe.max_rss - baseline.max_rss < MEMORY_BOUND


def test_given_smtp_probe_when_output_pipe_is_closed_then_it_exits_141_quietly() -> None:
    # Given a probe whose reader has gone away before the verdict is written (`| head -c0`, `| true`)
    with hostile.hostile_server(hostile.dripped_banner) as server:
        command = [sys.executable, "-m", "mailcanary", "smtp-probe", "--server", f"127.0.0.1:{server.port}"]
        command += ["--tls", "none", "--from", SENDER, "--to", TO, "--timeout", str(TIMEOUT)]
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone: the first write of the verdict fails with EPIPE
        try:
            # When it writes its verdict (after the banner's timeout)
            completed = subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE, timeout=60, check=False)
        finally:
            os.close(write_end)
    # Then it exits 141 (128 + SIGPIPE, as a shell tool killed by the closed pipe would) with nothing on stderr
    assert completed.returncode == 141
    assert completed.stderr == b""
