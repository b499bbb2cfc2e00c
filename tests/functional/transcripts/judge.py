"""Run `mailcanary check-transcript --json` in process on a capture and return what it printed, parsed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailcanary.cli import main


def judge(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["check-transcript", "--json", *extra, str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert code in (0, 1), captured.err
    return code, json.loads(captured.out)


def rules_of(report: dict[str, Any]) -> set[str]:
    """Every rule named: client violations, server acceptances and findings the log states itself."""
    named = {v["rule"] for v in report["violations"]}
    named |= {a["rule"] for a in report["server_acceptances"] if a.get("rule")}
    return named | {n["rule"] for n in report.get("log_findings", [])}
