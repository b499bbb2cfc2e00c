"""smtp-probe's argument handling: usage errors exit 2 with one line, before any connection is made."""

from __future__ import annotations

import pytest

from mailcanary.cli import main
from mailcanary.cli.smtp_probe import parse_server
from mailcanary.core.errors import UsageError
from mailcanary.smtp import TlsMode

BASE = ["smtp-probe", "--server", "127.0.0.1:1", "--from", "a@example.com", "--to", "b@example.com"]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--auth-user", "u", "--auth-password-env", "MAILCANARY_TEST_UNSET_VAR"], "MAILCANARY_TEST_UNSET_VAR"),
        (["--auth-user", "u"], "go together"),
        (["--auth-password-env", "X"], "go together"),
        (["--timeout", "0"], "--timeout"),
        (["--to", "not-an-address"], "invalid address"),
        (["--tls", "none", "--from", "@example.com"], "invalid address"),
        (["--ca-file", "/nonexistent/ca.pem"], "CA file"),
    ],
)
def test_given_bad_arguments_when_run_then_exit_2_with_one_line(
    extra: list[str], fragment: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an argument mistake; When run; Then exit 2, one line on stderr naming the problem, no traceback
    monkeypatch.delenv("MAILCANARY_TEST_UNSET_VAR", raising=False)
    code = main([*BASE, *extra])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert fragment in captured.err
    assert "Traceback" not in captured.err


def test_given_bad_server_when_run_then_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["smtp-probe", "--server", "host:99999", "--from", "a@example.com", "--to", "b@example.com"])
    assert code == 2
    assert "invalid port" in capsys.readouterr().err


def test_given_unknown_tls_mode_when_parsed_then_argparse_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*BASE, "--tls", "sometimes"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "tls", "expected"),
    [
        ("smtp.example.com", TlsMode.REQUIRED, ("smtp.example.com", 587)),
        ("smtp.example.com", TlsMode.WRAPPER, ("smtp.example.com", 465)),
        ("email-smtp.us-east-1.amazonaws.com:2587", TlsMode.REQUIRED, ("email-smtp.us-east-1.amazonaws.com", 2587)),
        ("[::1]:2525", TlsMode.NONE, ("::1", 2525)),
        ("[::1]", TlsMode.NONE, ("::1", 587)),
        ("::1", TlsMode.NONE, ("::1", 587)),
    ],
)
def test_given_server_text_when_parsed_then_host_and_port(text: str, tls: TlsMode, expected: tuple[str, int]) -> None:
    assert parse_server(text, tls) == expected


@pytest.mark.parametrize("text", ["", ":25", "host:", "host:x", "[::1]:0"])
def test_given_bad_server_text_when_parsed_then_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_server(text, TlsMode.REQUIRED)
