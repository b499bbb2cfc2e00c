"""`mailcanary round-trip`'s contract without servers: its exit codes in --help and the README, usage errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailcanary.cli import main
from mailcanary.cli.round_trip import EXIT_CODES

README = Path(__file__).resolve().parents[2] / "README.md"
BASE = ["round-trip", "--from", "a@example.com", "--to", "b@example.net", "--smtp-server", "127.0.0.1:1"]
IMAP = ["--imap-server", "127.0.0.1:1", "--imap-user", "u", "--imap-password-env", "MC_TEST_IMAP_PW"]


def _exit_code(argv: list[str]) -> int:
    """main's return value, or argparse's exit code for a usage error it reports itself."""
    try:
        return main(argv)
    except SystemExit as exited:
        return int(exited.code or 0)


def test_given_the_help_when_printed_then_every_exit_code_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    # Given the command's help; When printed
    with pytest.raises(SystemExit):
        main(["round-trip", "--help"])
    text = capsys.readouterr().out
    # Then each exit code and its meaning is there, one per line
    for code, meaning in EXIT_CODES.items():
        assert re.search(rf"^\s+{code}\s+{re.escape(meaning)}$", text, flags=re.MULTILINE), code


def test_given_the_readme_when_its_round_trip_table_is_read_then_it_matches_the_help() -> None:
    section = README.read_text().split("## Round trip: `mailcanary round-trip`", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", section, flags=re.MULTILINE))
    assert {int(code): meaning for code, meaning in rows.items()} == EXIT_CODES


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--timeout", "0"], "--timeout"),
        (["--timeout", "7200"], "--timeout"),
        (["--imap-ca-file", "/nonexistent/ca.pem"], "CA file"),
        (["--imap-move-to", "Read", "--imap-keep"], "not allowed with"),
        (["--ses"], "not allowed with"),
        (["--smtp-user", "u"], "go together"),
    ],
)
def test_given_bad_arguments_when_run_then_usage_error_exit_2_and_one_line(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a password in the environment and one bad argument
    monkeypatch.setenv("MC_TEST_IMAP_PW", "Imap-Pw-Unit-1")
    # When run; Then exit 2 with one line naming the problem, before anything is sent
    assert _exit_code([*BASE, *IMAP, *extra]) == 2
    error = capsys.readouterr().err
    assert message in error
    assert len(error.strip().splitlines()) == 1


def test_given_no_password_in_the_named_variable_when_run_then_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MC_TEST_IMAP_PW", raising=False)
    assert main([*BASE, *IMAP]) == 2
    assert "MC_TEST_IMAP_PW" in capsys.readouterr().err
