"""Loading the Lambda handlers as the runtime does, invoking them, and reading their EMF output."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events"


@dataclass
class LambdaContext:
    """The context fields Powertools reads (logger, idempotency)."""

    function_name: str = "mailcanary-test"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:mailcanary-test"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def load_handler(function: str) -> ModuleType:
    """functions/<function>/app.py as its own module (every handler file is called app.py)."""
    spec = importlib.util.spec_from_file_location(
        f"mailcanary_handler_{function}", ROOT / "functions" / function / "app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(relative: str) -> Any:
    return json.loads((EVENTS / relative).read_text())


def emf(stdout: str) -> list[tuple[str, dict[str, str], Any]]:
    """(metric name, dimensions, value) of every EMF document printed on stdout."""
    found: list[tuple[str, dict[str, str], Any]] = []
    for line in stdout.splitlines():
        try:
            document = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "Mailcanary"
            names = directive["Dimensions"][0] if directive["Dimensions"] else []
            dimensions = {name: document[name] for name in names}
            found += [(metric["Name"], dimensions, document[metric["Name"]]) for metric in directive["Metrics"]]
    return found


def count(metrics: list[tuple[str, dict[str, str], Any]], name: str, **dimensions: str) -> int:
    """How many data points of `name` with exactly these dimensions were emitted."""
    total = 0
    for metric, dims, value in metrics:
        if metric == name and dims == dimensions:
            total += len(value) if isinstance(value, list) else 1
    return total
