"""The deploy helper scripts parse, and refuse bad usage with one line and exit 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ("deploy.sh", "invoke.sh", "store-smtp-secret.sh", "browser.sh")


@pytest.mark.parametrize("script", SCRIPTS)
def test_given_each_script_when_bash_parses_it_then_no_syntax_error(script: str) -> None:
    result = subprocess.run(["bash", "-n", str(ROOT / "scripts" / script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [([], "usage"), (["CanaryFunction", "events/canary/missing.json"], "no such event file")],
)
def test_given_bad_arguments_when_invoke_runs_then_exit_2(argv: list[str], message: str) -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "invoke.sh"), *argv], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 2
    assert message in result.stderr
