"""`mailcanary check-transcript`: exit codes, what the human and JSON outputs name, no secrets, no tracebacks."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mailcanary.cli import main
from mailcanary.smtp import Direction, Transcript, TranscriptLine

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "transcripts"
ROOT = Path(__file__).resolve().parents[2]


def _postfix_rcpt_before_mail(path: Path) -> Path:
    """Our JSON form (as smtp-probe --json prints it) of Postfix refusing RCPT before MAIL."""
    texts = [
        (Direction.SERVER, "220 mx.example.com ESMTP Postfix (Debian/GNU)"),
        (Direction.CLIENT, "EHLO canary.example"),
        (Direction.SERVER, "250-mx.example.com"),
        (Direction.SERVER, "250 PIPELINING"),
        (Direction.CLIENT, "RCPT TO:<success@simulator.amazonses.com>"),
        (Direction.SERVER, "503 5.5.1 Error: need MAIL command"),
        (Direction.CLIENT, "QUIT"),
        (Direction.SERVER, "221 2.0.0 Bye"),
    ]
    lines = tuple(TranscriptLine(0.001 * n, d, t) for n, (d, t) in enumerate(texts))
    path.write_text(json.dumps({"stage": "RCPT", "transcript": Transcript(lines).to_list()}))
    return path


def test_given_a_clean_swaks_capture_when_checked_then_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-transcript", str(SAMPLES / "starttls-auth-login-ok.swaks.txt")]) == 0
    assert "valid (8 commands, swaks)" in capsys.readouterr().out


def test_given_rcpt_before_mail_when_checked_then_exit_1_naming_rule_command_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given our JSON with RCPT sent before MAIL, When checked
    code = main(["check-transcript", str(_postfix_rcpt_before_mail(tmp_path / "probe.json"))])
    out = capsys.readouterr().out
    # Then exit 1, and the output names the rule, the command and where it is
    assert code == 1
    assert "INVALID" in out
    assert "mail-before-rcpt at transcript line 5: 'RCPT TO:<success@simulator.amazonses.com>'" in out
    assert "server refusal at transcript line 5" in out
    assert "503 5.5.1" in out
    assert "(confirms mail-before-rcpt)" in out


def test_given_json_output_when_asked_then_it_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check-transcript", "--json", str(SAMPLES / "data-refused-503.swaks.txt")])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["valid"] is False
    assert data["format"] == "swaks"
    assert data["violations"] == []
    (refusal,) = data["server_refusals"]
    assert (refusal["command"], refusal["code"], refusal["enhanced"], refusal["line"]) == ("DATA", 503, "5.5.1", 13)


def test_given_auth_in_clear_when_tls_is_not_required_then_it_passes(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SAMPLES / "auth-in-clear.swaks.txt")
    assert main(["check-transcript", path]) == 1
    assert "auth-before-tls at line 10: 'AUTH PLAIN <redacted>'" in capsys.readouterr().out
    assert main(["check-transcript", "--tls-not-required", path]) == 0


@pytest.mark.parametrize("name", ["auth-in-clear", "starttls-auth-plain-ok", "starttls-auth-login-ok"])
@pytest.mark.parametrize("as_json", [False, True])
def test_given_a_capture_with_credentials_when_checked_then_no_secret_is_printed(
    name: str, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check-transcript", *(["--json"] if as_json else []), str(SAMPLES / f"{name}.swaks.txt")])
    captured = capsys.readouterr()
    for secret in ("capture-only-secret", "AGNhbmFyeQBjYXB0dXJlLW9ubHktc2VjcmV0", "Y2FwdHVyZS1vbmx5LXNlY3JldA=="):
        assert secret not in captured.out + captured.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (" -> EHLO c\nthis is not swaks\n", "line 2: not a swaks transcript line"),
        ('[{"direction": "client", "text": "EHLO c"}, {"text": "x"}]', "transcript line 2: direction"),
    ],
)
def test_given_an_unreadable_file_when_checked_then_exit_2_with_one_line(
    tmp_path: Path, content: str | None, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "capture.txt"
    if content is not None:
        path.write_text(content)
    assert main(["check-transcript", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert "Traceback" not in err


def test_given_stdin_when_dash_is_the_file_then_it_is_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((SAMPLES / "plain-ok.swaks.txt").read_bytes())))
    assert main(["check-transcript", "-"]) == 0
    assert "valid" in capsys.readouterr().out


def test_given_no_file_argument_when_run_then_usage_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-transcript"]) == 2
    assert "FILE is required" in capsys.readouterr().err


@pytest.mark.process
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: SAMPLES / "data-refused-503.swaks.txt", 1),
        (lambda tmp: SAMPLES / "pipelining-ok.swaks.txt", 0),
        (lambda tmp: _postfix_rcpt_before_mail(tmp / "probe.json"), 1),
    ],
)
def test_given_the_module_entry_point_when_checking_files_then_exit_codes_match(
    tmp_path: Path, make: Callable[[Path], Path], expected: int
) -> None:
    path = make(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "mailcanary", "check-transcript", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == expected, done.stderr
    assert done.stderr == ""
    assert str(path) in done.stdout
