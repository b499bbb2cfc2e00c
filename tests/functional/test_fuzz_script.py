"""`make fuzz` keeps working: a short run over the preflight/guard target finds nothing and prints its table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_fuzz_run_of_preflight_reports_counts_and_no_failures(tmp_path: Path) -> None:
    # Given the fuzz script on the preflight/guard target: every sample and adversarial form, a few mutations
    argv = [sys.executable, str(ROOT / "scripts" / "fuzz.py"), "--only", "preflight", "--count", "60"]
    argv += ["--budget-seconds", "60", "--save", str(tmp_path), "--json"]
    # When it runs
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    # Then it exits 0, tried every input it was given, and found no failure
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["preflight-guard"]["tried"] == 60
    assert summary["preflight-guard"]["failures"] == 0
    assert summary["preflight-guard"]["peak_traced_mb"] > 0
    assert summary["preflight-guard"]["peak_rss_mb"] > 0
    assert list(tmp_path.iterdir()) == []
