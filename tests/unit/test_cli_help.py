"""What `--help` tells a user: no developer notes, every command, and smtp-probe's description and exit codes,
the same as the README's table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailcanary.cli import COMMAND_MODULES, main
from mailcanary.cli.smtp_probe import EXIT_CODES
from mailcanary.smtp.result import ExitCode

pytestmark = pytest.mark.unit
README = Path(__file__).resolve().parents[2] / "README.md"


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_given_the_top_level_help_when_printed_then_it_is_for_users(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys)
    # Then no developer docstring (module layout, register()) but a description, every command, the exit codes
    assert "register(" not in text
    assert "sub-command per module" not in text
    assert "email canary for Amazon SES" in text
    assert len(COMMAND_MODULES) == len(re.findall(r"^    \S", text, flags=re.MULTILINE))
    assert "exit codes: 0 success" in " ".join(text.split())


def test_given_smtp_probe_help_when_printed_then_a_description_and_every_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _help(capsys, "smtp-probe")
    assert "Send one canary message over SMTP" in " ".join(text.split())
    for code in (*ExitCode, 1):
        assert re.search(rf"^\s+{int(code)}\s+{re.escape(EXIT_CODES[int(code)])}$", text, flags=re.MULTILINE), code


def test_given_the_readme_when_its_smtp_probe_table_is_read_then_it_matches_the_help() -> None:
    section = README.read_text().split("## SMTP probe", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", section, flags=re.MULTILINE))
    assert {int(code): meaning for code, meaning in rows.items()} == EXIT_CODES
