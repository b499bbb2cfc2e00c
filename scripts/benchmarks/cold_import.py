"""Cold import of each Lambda handler, as a ratio to `import boto3` alone in the same kind of fresh interpreter.

Each sample is a new interpreter that times only its import statement (interpreter start-up excluded), with
a Lambda-like environment (LAMBDA_TASK_ROOT set) so that the X-Ray SDK behind the Powertools Tracer takes
its Lambda code path (a local sampler instead of building an X-Ray client). Subject and baseline alternate
so machine noise hits both alike; medians over at least five runs. Target: at most 1.3x.

A handler whose service module is not on this branch yet cannot be imported; its row says so. The
"handler glue" row measures everything a handler imports and builds except its service module.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from scripts.benchmarks._common import Row

ROOT = Path(__file__).resolve().parents[2]
TARGET = 1.3
HANDLERS = ("canary", "ses_events", "sweeper")
GLUE = (
    "from mailcanary import observability, events_in, config\n"
    "from aws_lambda_powertools.utilities.typing import LambdaContext\n"
    "observability.get_logger(); observability.get_metrics(); observability.get_tracer()"
)
# Where the glue's time goes (information rows, no target).
PARTS = {
    "  part: pydantic boundary models (events_in, config)": "from mailcanary import events_in, config",
    "  part: Powertools Logger + Metrics": "from mailcanary import observability\n"
    "observability.get_logger(); observability.get_metrics()",
    "  part: Powertools Tracer (X-Ray SDK, patches botocore)": "from mailcanary import observability\n"
    "observability.get_tracer()",
}
TIMED = "import time\n_t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)"


def _environment(task_root: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_"))}
    env |= {
        "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)]),
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": "mailcanary-bench",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "mailcanary",
    }
    return env


def _sample(code: str, env: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, "-c", TIMED.format(code=code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(last)
    return float(result.stdout.strip().splitlines()[-1])


def _row(name: str, code: str, env: dict[str, str], repeats: int, target: float | None = TARGET) -> Row:
    try:
        _sample(code, env)  # warm the file-system cache and prove the import works
    except RuntimeError as exc:
        nan = float("nan")
        return Row(name, "import boto3", nan, nan, target=None, note=f"not importable here: {exc}")
    subject, baseline = [], []
    for _ in range(repeats):
        baseline.append(_sample("import boto3", env))
        subject.append(_sample(code, env))
    return Row(name, "import boto3", statistics.median(subject), statistics.median(baseline), target=target)


def run(quick: bool) -> list[Row]:
    repeats = 5 if quick else 11
    with tempfile.TemporaryDirectory() as task_root:  # X-Ray's Lambda detection writes a marker file in /tmp
        env = _environment(task_root)
        rows = [
            _row(f"cold import functions.{name}.app", f"import functions.{name}.app", env, repeats) for name in HANDLERS
        ]
        rows.append(_row("cold import of the handler glue (no service module)", GLUE, env, repeats))
        rows.extend(_row(name, code, env, repeats, target=None) for name, code in PARTS.items())
    return rows
