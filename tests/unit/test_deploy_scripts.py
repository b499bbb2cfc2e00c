"""The deploy helper scripts parse, and refuse bad usage with one line and exit 2."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ("deploy.sh", "invoke.sh", "store-smtp-secret.sh", "browser.sh", "activate-receipt-rule-set.sh")


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


def _fake_aws(tmp_path: Path, outputs: str, active: str) -> dict[str, str]:
    """An `aws` on PATH answering the stack output and the active rule set, and logging every call."""
    fake = tmp_path / "bin" / "aws"
    fake.parent.mkdir()
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> "{tmp_path}/calls"\n'
        f'case "$1 $2" in\n'
        f'  "cloudformation describe-stacks") echo "{outputs}" ;;\n'
        f'  "ses describe-active-receipt-rule-set") echo "{active}" ;;\n'
        "esac\n"
    )
    fake.chmod(0o755)
    return {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}"}


@pytest.mark.parametrize(
    ("outputs", "active", "force", "code", "activated"),
    [
        ("mc-arrival", "None", "0", 0, True),  # nothing active: ours becomes active
        ("mc-arrival", "mc-arrival", "0", 0, False),  # already active: nothing to do
        ("mc-arrival", "theirs", "0", 3, False),  # another set active: refused
        ("mc-arrival", "theirs", "1", 0, True),  # ... unless forced
        ("None", "None", "0", 2, False),  # no ReceivingDomain: no rule set to activate
    ],
)
def test_given_the_active_rule_set_when_activation_runs_then_it_activates_ours_only_when_safe(
    tmp_path: Path, outputs: str, active: str, force: str, code: int, activated: bool
) -> None:
    # Given a stack whose rule set output is `outputs` and a region whose active rule set is `active`
    env = _fake_aws(tmp_path, outputs, active) | {"FORCE": force}
    # When the activation script runs
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "activate-receipt-rule-set.sh")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    # Then it exits with its documented code and calls set-active-receipt-rule-set only when it should
    assert result.returncode == code, result.stderr
    calls = (tmp_path / "calls").read_text()
    assert ("ses set-active-receipt-rule-set --rule-set-name mc-arrival" in calls) is activated
