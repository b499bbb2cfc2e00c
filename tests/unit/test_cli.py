from __future__ import annotations

import subprocess
import sys

import pytest

from mailcanary.cli import main


def test_given_unknown_option_when_run_then_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--no-such-option"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.process
def test_given_module_entry_point_when_version_asked_then_it_prints() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mailcanary", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("mailcanary ")


def test_given_the_command_registry_when_every_module_registers_then_names_and_help_match() -> None:
    import argparse

    from mailcanary.cli import build_parser
    from mailcanary.cli.commands import COMMANDS

    # Given the parser with every sub-command module imported
    parser = build_parser(None)
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    # Then the registry names exactly the commands the modules register, with the same help line
    helps = {choice.dest: choice.help for choice in subparsers._choices_actions}
    assert helps == {name: help_text for name, (_, help_text) in COMMANDS.items()}


def test_given_one_sub_command_when_run_then_only_its_module_is_imported() -> None:
    code = (
        "import sys\n"
        "from mailcanary.cli import main\n"
        "main(['check-transcript', '--list-formats'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('mailcanary.cli.')))\n"
        "print(sorted(m for m in ('boto3', 'pydantic', 'smtplib', 'email.message') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules, heavy = result.stdout.strip().splitlines()[-2:]
    assert modules == "['mailcanary.cli.check_transcript', 'mailcanary.cli.commands', 'mailcanary.cli.safe_io']"
    assert heavy == "[]"


def test_given_help_when_asked_then_every_command_is_listed_without_importing_them() -> None:
    code = "import sys\nfrom mailcanary.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    code += "print(sorted(m for m in sys.modules if m.startswith('mailcanary.cli.')))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "check-transcript" in result.stdout
    assert "smtp-probe" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "['mailcanary.cli.commands', 'mailcanary.cli.safe_io']"
