"""template.yaml passes cfn-lint and `sam validate --lint`, and `sam build` produces the layer and functions."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

TIMEOUT_SECONDS = 300


def test_given_the_template_when_cfn_lint_runs_then_no_findings(sam_env: dict[str, str]) -> None:
    cfn_lint = shutil.which("cfn-lint") or str(Path(sys.executable).parent / "cfn-lint")
    result = subprocess.run(
        [cfn_lint, str(TEMPLATE)], capture_output=True, text=True, env=sam_env, timeout=TIMEOUT_SECONDS, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_given_the_template_when_sam_validate_lint_runs_then_valid(sam_binary: Path, sam_env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(sam_binary), "validate", "--lint", "--template-file", str(TEMPLATE)],
        capture_output=True,
        text=True,
        env=sam_env,
        cwd=ROOT,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_given_the_template_when_sam_build_runs_then_layer_and_handlers_are_built_for_arm64(
    sam_binary: Path, sam_env: dict[str, str], tmp_path: Path
) -> None:
    # Given python3.13 reachable through pyenv (sam build without a container needs the runtime's Python)
    try:
        probe = subprocess.run(["python3.13", "-c", "pass"], capture_output=True, env=sam_env, check=False).returncode
    except FileNotFoundError:
        probe = 127
    if probe != 0:
        pytest.skip("python3.13 is not on PATH (sam build without Docker needs the runtime's Python)")
    # When sam build runs into a temporary directory
    build_dir = tmp_path / "build"
    result = subprocess.run(
        [str(sam_binary), "build", "--template-file", str(TEMPLATE), "--build-dir", str(build_dir)],
        capture_output=True,
        text=True,
        env=sam_env,
        cwd=ROOT,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    # Then the layer carries mailcanary and its dependencies under python/, with arm64 binaries
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    layer = build_dir / "MailcanaryLayer" / "python"
    assert (layer / "mailcanary" / "report" / "observability.py").is_file()
    assert (layer / "aws_lambda_powertools").is_dir()
    native = list((layer / "pydantic_core").glob("_pydantic_core.*.so"))
    assert native, "pydantic_core has no native module in the layer"
    assert all("aarch64" in path.name for path in native), [path.name for path in native]
    # And every function's handler file
    for function in ("CanaryFunction", "SesEventsFunction", "SweeperFunction"):
        assert (build_dir / function / "app.py").is_file(), function
