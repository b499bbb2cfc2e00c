"""Cold import of each Lambda handler, as a ratio to `import boto3` alone in the same kind of fresh interpreter.

What is measured: each sample is a new interpreter that times only its import statement (interpreter start-up
excluded) with `time.perf_counter`, in the environment Lambda gives the function: the runtime's own variables
(LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, ...) and every POWERTOOLS_* and PYDANTIC_* variable of
template.yaml's Globals (`template_environment`), parameters at their defaults. Subject and baseline alternate
so machine noise hits both alike; medians over 9 runs (3 with --quick).

The handler rows time `import functions.<name>.app` exactly as Lambda runs it, which includes the handler's
`paused_gc()` block (`mailcanary.config.cold_start`: cyclic GC off during the init's imports, then `gc.freeze()`).
Their baseline is a plain `import boto3` with the collector on, as in any fresh interpreter. Because that GC
handling speeds up boto3's own import too, an info row shows `import boto3` done the same way: divide a handler's
ratio by that row's ratio for the handler against an equally treated boto3.

Rows:
- each handler as deployed by default (`XRaySubsegments=false`: no X-Ray SDK in the process). Target 1.3x.
  The canary handler imports the round (`mailcanary.round.run`) at init because every invocation runs one, so
  nothing its first invocation must load is left out of the figure.
- each handler with `XRaySubsegments=true`: the Powertools Tracer, the X-Ray SDK and its botocore patching.
  The difference between the two rows is the cold-start cost of turning subsegments on.
- the floor: boto3 + pydantic + the Powertools Logger and Metrics and nothing of mailcanary. Every invocation
  of every handler uses all three (settings and events are validated with pydantic at the boundary; the
  Logger and the cold-start metric wrap every handler), so no handler can import in less than this. Shown
  plainly and imported the handlers' way (inside `paused_gc()`).
- `import boto3` inside `paused_gc()`, against the plain `import boto3`: how much of a handler's gain is the
  GC handling, which any program could apply to boto3 alone.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scripts.benchmarks._common import Row

ROOT = Path(__file__).resolve().parents[2]
TARGET = 1.3
HANDLERS = ("canary", "ses_events", "sweeper")
BASELINE = "import boto3"
FLOOR = (
    "import boto3\nfrom pydantic import BaseModel\n"
    "from mailcanary.report import observability\nobservability.get_logger(); observability.get_metrics()"
)
IMPORT_TIME_PREFIXES = ("POWERTOOLS_", "PYDANTIC_")  # Globals variables that change what importing a handler does
PAUSED = "from mailcanary.config.cold_start import paused_gc\nwith paused_gc():\n{indented}"
TIMED = "import time\n_t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)"


def _resolve(value: Any, parameters: dict[str, Any], subsegments: bool) -> str:
    """A Globals variable's value for this benchmark: parameters at their defaults, the X-Ray condition as asked."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return str(parameters[value["Ref"]]["Default"])
    condition, when_true, when_false = value["Fn::If"]
    if condition != "HasXRaySubsegments":
        raise ValueError(f"unexpected condition in a Globals variable: {condition}")
    return _resolve(when_true if subsegments else when_false, parameters, subsegments)


def template_environment(subsegments: bool) -> dict[str, str]:
    """Every variable the template's Globals give each function that changes what an import does.

    POWERTOOLS_* (Powertools, and whether the Tracer is loaded at all) and PYDANTIC_* (pydantic's plugin scan).
    The MAILCANARY_* settings are read on the first invocation, not at import, so they are left out.
    """
    from cfnlint.decode import cfn_yaml

    template = cfn_yaml.load(str(ROOT / "template.yaml"))
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    parameters = template["Parameters"]
    return {
        name: _resolve(value, parameters, subsegments)
        for name, value in variables.items()
        if name.startswith(IMPORT_TIME_PREFIXES)
    }


def lambda_environment(task_root: str, subsegments: bool) -> dict[str, str]:
    """What a python3.13 Lambda function's process sees at init (minus credentials), plus the template's."""
    inherited = os.environ.items()
    env = {key: value for key, value in inherited if not key.startswith(("AWS_", "_X_AMZN", *IMPORT_TIME_PREFIXES))}
    env |= {
        "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)]),
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": "mailcanary-bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }
    return env | template_environment(subsegments)


def _paused(code: str) -> str:
    """`code` run the way the handlers run their init: inside `mailcanary.config.cold_start.paused_gc()`."""
    return PAUSED.format(indented="\n".join("    " + line for line in code.splitlines()))


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


def _rows(subjects: list[tuple[str, str, dict[str, str], float | None]], repeats: int) -> list[Row]:
    """Every subject and the baseline, interleaved run by run (one baseline sample before each subject sample)."""
    for _, code, env, _ in subjects:
        _sample(code, env)  # warm the file-system cache and prove the import works
    samples: list[list[float]] = [[] for _ in subjects]
    baselines: list[list[float]] = [[] for _ in subjects]
    for _ in range(repeats):
        for index, (_, code, env, _) in enumerate(subjects):
            baselines[index].append(_sample(BASELINE, env))
            samples[index].append(_sample(code, env))
    return [
        Row(name, BASELINE, statistics.median(samples[i]), statistics.median(baselines[i]), target=target)
        for i, (name, _, _, target) in enumerate(subjects)
    ]


def run(quick: bool) -> list[Row]:
    repeats = 3 if quick else 9
    with tempfile.TemporaryDirectory() as task_root:  # X-Ray's Lambda detection writes a marker file in /tmp
        off, on = lambda_environment(task_root, False), lambda_environment(task_root, True)
        subjects: list[tuple[str, str, dict[str, str], float | None]] = []
        for name in HANDLERS:
            subjects.append((f"cold import functions.{name}.app", f"import functions.{name}.app", off, TARGET))
        for name in HANDLERS:
            code = f"import functions.{name}.app"
            subjects.append((f"  same, XRaySubsegments=true: {name}", code, on, None))
        subjects.append(("  floor: boto3+pydantic+Powertools Logger/Metrics", FLOOR, off, None))
        subjects.append(("  floor, imported as the handlers do (paused_gc)", _paused(FLOOR), off, None))
        subjects.append(("  import boto3 imported the same way (paused_gc)", _paused(BASELINE), off, None))
        return _rows(subjects, repeats)
