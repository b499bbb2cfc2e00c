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
