"""Every sub-command, run as a real process: any terminal encoding, non-UTF-8 files, stdin and arguments, a closed
stdout. Each must exit with its documented code, say at most one line on stderr, never print a traceback,
and print JSON that is valid UTF-8 without lone surrogates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
BAD = b"\xff\xfe"  # never valid UTF-8 (nor a BOM once inside text)

TERMINALS: dict[str, dict[str, str]] = {
    "LANG=C": {"LANG": "C", "LC_ALL": "C"},
    "utf-8:strict": {"PYTHONIOENCODING": "utf-8:strict"},
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
}

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TOO_LARGE, EXIT_BROKEN_PIPE = 0, 1, 2, 3, 141  # 3 is also doctor's unreadable


@dataclass(frozen=True)
class Case:
    """One command line (bytes, as a shell passes them), its stdin and the exit code it must end with."""

    name: str
    argv: tuple[bytes, ...]
    code: int
    stdin: bytes = b""
    json: bool = False
    writes_stdout: bool = False  # enough output to hit a closed pipe
    env: dict[str, str] = field(default_factory=dict)


MESSAGE = b"From: a@example.com\r\nTo: Z" + BAD + b" <z@example.com>, " + BAD + b"@ex\xe9mple.com\r\n\r\nbody" + BAD


def _write_inputs(tmp: Path) -> None:
    (tmp / "message.eml").write_bytes(MESSAGE + b"\r\n")
    words = b" ".join(b"=?utf-8?q?Z=C3=B6e?=" for _ in range(2000))  # 40 KB of encoded words in one To
    (tmp / "huge.eml").write_bytes(b"From: a@example.com\r\nTo: " + words + b" <z@example.com>\r\n\r\nbody\r\n")


def _cases(tmp: Path) -> list[Case]:
    message, huge = bytes(tmp / "message.eml"), bytes(tmp / "huge.eml")
    offline = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1", "AWS_DEFAULT_REGION": "us-east-1"}
    offline |= {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    swaks = bytes(DATA / "transcripts" / "plain-ok.swaks.txt")
    return [
        Case("help", (b"--help",), EXIT_OK),  # argparse itself ignores a closed pipe while printing help
        Case("unknown-command", (b"no-such-" + BAD,), EXIT_USAGE),
        Case("preflight-file", (b"preflight", b"--raw", message), EXIT_FAILED, writes_stdout=True),
        Case(
            "preflight-json", (b"preflight", b"--raw", message, b"--json"), EXIT_FAILED, json=True, writes_stdout=True
        ),
        Case("preflight-stdin", (b"preflight", b"--raw", b"-", b"--json"), EXIT_FAILED, MESSAGE, json=True),
        Case("preflight-missing", (b"preflight", b"--raw", b"/nonexistent/" + BAD), EXIT_USAGE),
        Case("preflight-destinations", (b"preflight", b"--raw", message, b"--destinations", BAD + b"@x"), EXIT_USAGE),
        Case("preflight-too-large", (b"preflight", b"--raw", huge), EXIT_TOO_LARGE),
        Case("preflight-too-large-json", (b"preflight", b"--raw", huge, b"--json"), EXIT_TOO_LARGE, json=True),
        Case("check-transcript-file", (b"check-transcript", message), EXIT_USAGE),
        Case("check-transcript-stdin", (b"check-transcript", b"-"), EXIT_USAGE, MESSAGE),
        Case("check-transcript-ok", (b"check-transcript", swaks), EXIT_OK, writes_stdout=True),
        Case("parse-bounce", (b"parse-bounce", message), EXIT_OK, writes_stdout=True),
        Case("parse-bounce-json", (b"parse-bounce", b"--json", message), EXIT_OK, json=True, writes_stdout=True),
        Case("smtp-password-stdin", (b"smtp-password", b"--region", b"us-east-1"), EXIT_USAGE, b"key" + BAD + b"\n"),
        Case("smtp-password", (b"smtp-password", b"--region", b"us-east-1"), EXIT_OK, b"A" * 40 + b"\n", False, True),
        Case("cost", (b"cost",), EXIT_OK, writes_stdout=True),
        Case("cost-json", (b"cost", b"--json"), EXIT_OK, json=True, writes_stdout=True),
        Case("cost-bad-schedule", (b"cost", b"--schedule", b"rate(" + BAD + b")"), EXIT_USAGE),
        Case("demo-list-faults", (b"demo", b"--list-faults"), EXIT_OK, writes_stdout=True),
        Case("demo-bad-report", (b"demo", b"--rounds", b"0", b"--report", BAD), EXIT_USAGE),
        Case("ses-send-bad-from", (b"ses-send", b"--from", b"a" + BAD + b"@example.com"), EXIT_USAGE, env=offline),
        Case("doctor-bad-stack", (b"doctor", b"--stack", b"x" + BAD), EXIT_USAGE, env=offline),
        Case("doctor-unreadable", (b"doctor", b"--stack", b"x", b"--json"), EXIT_TOO_LARGE, env=offline),
        Case("redrive-bad-url", (b"redrive-ses-events", b"--queue-url", BAD, b"--function", b"f"), EXIT_USAGE),
        Case(
            "smtp-probe-bad-to",
            (b"smtp-probe", b"--server", b"127.0.0.1:9", b"--from", b"a@example.com", b"--to", BAD + b"@example.com"),
            EXIT_USAGE,
        ),
    ]


def _run(case: Case, terminal: dict[str, str], stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIOENCODING", "AWS_"))}
    env |= {"LANG": "C.UTF-8"} | terminal | case.env
    argv = [os.fsencode(sys.executable), b"-m", b"mailcanary", *case.argv]
    return subprocess.run(
        argv, input=case.stdin, stdout=stdout, stderr=subprocess.PIPE, env=env, timeout=60, check=False
    )


def _no_lone_surrogates(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_no_lone_surrogates(k) and _no_lone_surrogates(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_no_lone_surrogates(item) for item in value)
    return True


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    tmp = tmp_path_factory.mktemp("cli")
    _write_inputs(tmp)
    return {case.name: case for case in _cases(tmp)}


CASE_NAMES = [case.name for case in _cases(Path("unused"))]
PRINTING = [case.name for case in _cases(Path("unused")) if case.writes_stdout]


@pytest.mark.parametrize("terminal", list(TERMINALS))
@pytest.mark.parametrize("name", CASE_NAMES)
def test_every_command_exits_with_its_code_and_one_line_on_any_terminal(
    cases: dict[str, Case], name: str, terminal: str
) -> None:
    # Given a command line with non-UTF-8 bytes in its files, stdin or arguments, and a hostile terminal
    case = cases[name]
    # When it runs as a real process
    result = _run(case, TERMINALS[terminal])
    # Then it exits with its documented code, with at most one line on stderr and no traceback
    assert result.returncode == case.code, result.stderr
    assert b"Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) <= 1, result.stderr
    if case.code not in (EXIT_OK, EXIT_FAILED) or not result.stdout:
        assert len(result.stderr.splitlines()) == 1, result.stderr
    # And JSON is valid UTF-8, with undecodable bytes escaped rather than kept as lone surrogates
    if case.json:
        document = json.loads(result.stdout.decode("utf-8"))
        assert _no_lone_surrogates(document)


@pytest.mark.parametrize("name", PRINTING)
def test_a_closed_stdout_ends_quietly_with_the_broken_pipe_code(cases: dict[str, Case], name: str) -> None:
    # Given a command that prints to stdout, and a stdout pipe whose reader has already gone
    case = cases[name]
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        # When it runs
        result = _run(case, TERMINALS["utf-8:strict"], stdout=write_end)
    finally:
        os.close(write_end)
    # Then it stops quietly with 141 (128 + SIGPIPE): nothing on stderr, no traceback
    assert result.returncode == EXIT_BROKEN_PIPE, result.stderr
    assert result.stderr == b""
