"""Template-tier fixtures: template.yaml parsed with CloudFormation tags, and how to run the SAM CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
ARTIFACTS = "mailcanary-artifacts"  # the code bucket sam_translate.py names (cfn_engine.ARTIFACTS)


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """template.yaml with short-form tags expanded (`!Ref X` -> {"Ref": "X"}), via cfn-lint's own loader."""
    return dict(cfn_yaml.load(str(TEMPLATE)))


@pytest.fixture(scope="session")
def sam_binary() -> Path:
    """The SAM CLI from its own virtualenv (MAILCANARY_SAM, set by the Makefile; else .venv-sam)."""
    binary = Path(os.environ.get("MAILCANARY_SAM", ROOT / ".venv-sam" / "bin" / "sam"))
    if not binary.exists():
        pytest.skip(f"SAM CLI not found at {binary}: run `make sam-venv` (make test does)")
    return binary


@pytest.fixture(scope="session")
def sam_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Offline-friendly environment: a region, dummy credentials, no telemetry, python3.13 on PATH via pyenv."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env |= {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SAM_CLI_TELEMETRY": "0",
        "PYENV_VERSION": os.environ.get("PYENV_VERSION", "3.11.7:3.12.1:3.13.0"),
        "HOME": str(tmp_path_factory.mktemp("sam-home")),  # SAM writes its config and metadata there
    }
    return env


@pytest.fixture(scope="module")
def translated(sam_env: dict[str, str]) -> dict[str, Any]:
    """template.yaml as plain CloudFormation, translated by the SAM translator in the SAM virtualenv."""
    python = ROOT / ".venv-sam" / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no SAM virtualenv at {python.parent.parent}: run `make sam-venv` (make test does)")
    result = subprocess.run(
        [str(python), str(ROOT / "tests" / "template" / "sam_translate.py"), str(ROOT / "template.yaml"), ARTIFACTS],
        env=sam_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))
