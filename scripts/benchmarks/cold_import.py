"""Cold import of each Lambda handler, as a ratio to the floor of the design in the same kind of fresh interpreter.

What is measured: each sample is a new interpreter that times only its import statement (interpreter start-up
excluded) with `time.perf_counter`, in the environment Lambda gives the function: the runtime's own variables
(LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, ...) and every POWERTOOLS_* and PYDANTIC_* variable of
template.yaml's Globals (`template_environment`), parameters at their defaults. Subject and baseline alternate
so machine noise hits both alike; medians over 9 runs (3 with --quick).

The handler rows time `import functions.<name>.app` exactly as Lambda runs it, which includes the handler's
`paused_gc()` block (`mailcanary.config.cold_start`: cyclic GC off during the init's imports, then `gc.freeze()`).

Their baseline is the floor of the design: boto3 + pydantic + the Powertools Logger and Metrics and nothing
of mailcanary, imported the handlers' way (inside `paused_gc()`). Every invocation of every handler uses all
three (settings and events are validated with pydantic at the boundary; the Logger and the cold-start metric
wrap every handler), so no handler can import in less than this; the ratio is what mailcanary itself adds.

Rows:
- each handler as deployed by default (`XRaySubsegments=false`: no X-Ray SDK in the process), against the
  floor. Targets: canary 1.3x (it imports the round, `mailcanary.round.run`, at init because every invocation
  runs one, so nothing its first invocation must load is left out of the figure); ses_events and sweeper 1.15x.
- each handler with `XRaySubsegments=true` against the same floor: the Powertools Tracer, the X-Ray SDK and its
  botocore patching. The difference between the two rows is the cold-start cost of turning subsegments on.
- each handler's import followed by what its first invocation does before any AWS call: reading the settings
  (`runtime()`, the settings model imported and built there; the SES-events and sweeper functions build no
  pydantic model at import, see `mailcanary.config.settings`), and for the canary function parsing a scheduled
  event. Against the same floor, as info: the cold import row alone would hide what was moved out of the
  import into the first invocation; this row shows the two together.
- info rows against a plain `import boto3`: the floor itself (plainly, and the handlers' way), and `import boto3`
  inside `paused_gc()` (how much the GC handling alone gains, which any program could apply to boto3).
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
TARGETS = {"canary": 1.3, "ses_events": 1.15, "sweeper": 1.15, "arrival": 1.3}  # cold import / the floor
HANDLERS = tuple(TARGETS)
BOTO3 = "import boto3"
FLOOR = (
    "import boto3\nfrom pydantic import BaseModel\n"
    "from mailcanary.report import observability\nobservability.get_logger(); observability.get_metrics()"
)
FLOOR_NAME = "the floor (boto3+pydantic+Powertools Logger/Metrics, paused_gc)"
IMPORT_TIME_PREFIXES = ("POWERTOOLS_", "PYDANTIC_")  # Globals variables that change what importing a handler does
PAUSED = "from mailcanary.config.cold_start import paused_gc\nwith paused_gc():\n{indented}"
# What a first invocation does before its first AWS call, after the import (GC on, as in an invocation).
FIRST_INVOCATION = {
    "canary": "app.parse_canary_event({'source': 'aws.events', 'detail-type': 'Scheduled Event'})\napp.runtime()",
    "ses_events": "app.runtime()",
    "sweeper": "app.runtime()",
}
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


Subject = tuple[str, str, str, str, dict[str, str], float | None]  # name, code, baseline name, its code, env, target


def _rows(subjects: list[Subject], repeats: int) -> list[Row]:
    """Every subject and its baseline, interleaved run by run (one baseline sample before each subject sample)."""
    for _, code, _, baseline, env, _ in subjects:
        _sample(code, env)  # warm the file-system cache and prove the import works
        _sample(baseline, env)
    samples: list[list[float]] = [[] for _ in subjects]
    baselines: list[list[float]] = [[] for _ in subjects]
    for _ in range(repeats):
        for index, (_, code, _, baseline, env, _) in enumerate(subjects):
            baselines[index].append(_sample(baseline, env))
            samples[index].append(_sample(code, env))
    return [
        Row(name, baseline_name, statistics.median(samples[i]), statistics.median(baselines[i]), target=target)
        for i, (name, _, baseline_name, _, _, target) in enumerate(subjects)
    ]


def run(quick: bool) -> list[Row]:
    repeats = 3 if quick else 9
    with tempfile.TemporaryDirectory() as task_root:  # X-Ray's Lambda detection writes a marker file in /tmp
        off, on = lambda_environment(task_root, False), lambda_environment(task_root, True)
        floor = _paused(FLOOR)
        subjects: list[Subject] = []
        for name in HANDLERS:
            code = f"import functions.{name}.app"
            subjects.append((f"cold import functions.{name}.app", code, FLOOR_NAME, floor, off, TARGETS[name]))
        for name in HANDLERS:
            code = f"import functions.{name}.app"
            subjects.append((f"  same, XRaySubsegments=true: {name}", code, FLOOR_NAME, floor, on, None))
        for name in HANDLERS:
            code = f"import functions.{name}.app as app\n{FIRST_INVOCATION[name]}"
            label = f"  same, and the first invocation's settings: {name}"
            subjects.append((label, code, FLOOR_NAME, floor, off, None))
        subjects.append(("  the floor, plainly", FLOOR, BOTO3, BOTO3, off, None))
        subjects.append(("  the floor, imported as the handlers do (paused_gc)", floor, BOTO3, BOTO3, off, None))
        subjects.append(("  import boto3 imported the same way (paused_gc)", _paused(BOTO3), BOTO3, BOTO3, off, None))
        return _rows(subjects, repeats)
