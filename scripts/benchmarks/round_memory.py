"""Peak memory of one canary round with 50 SMTP targets (the slow servers of round.py).

Peak memory of one 50-target round, in a fresh subprocess that imports only what Lambda imports (the
store is a moto server in this process, reached over HTTP): the subprocess's peak resident set and the
round's own tracemalloc peak. Target: under 100 MB, so the 128 MB default function size suffices. The peak
is read from /proc/self/status (VmHWM), not ru_maxrss: on Linux ru_maxrss survives exec, so a child forked
from this benchmark (moto loaded, ~300 MB) would report the parent's peak instead of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from scripts.benchmarks._common import Row
from scripts.benchmarks.round import REGION, ROOT, TABLE, TARGETS, _free_port, _settings_values, slow_servers


def _child() -> None:
    """In a fresh interpreter: one 50-target round against the moto server; print peak memory as JSON."""
    import tracemalloc

    from mailcanary.config.events import RoundOverrides
    from mailcanary.config.runtime import Runtime
    from mailcanary.config.settings import Settings
    from mailcanary.services.rounds import canary_round

    ports = json.loads(os.environ["BENCH_PORTS"])
    runtime = Runtime(Settings.model_validate(_settings_values(ports)))
    tracemalloc.start()
    result = canary_round(runtime, RoundOverrides(trigger="console", paths=frozenset({"smtp"})))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    status = Path("/proc/self/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    print(json.dumps({"passed": result.passed, "tracemalloc_peak": peak, "maxrss_kb": rss_kb}))


def _memory() -> list[Row]:
    import boto3
    from moto.server import ThreadedMotoServer

    from mailcanary.store import canary_table_definition

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env |= {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    env |= {"AWS_ENDPOINT_URL": endpoint, "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)])}
    try:
        boto3.client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_table(**canary_table_definition(TABLE))
        with slow_servers(TARGETS) as ports:
            env["BENCH_PORTS"] = json.dumps(ports)
            code = "from scripts.benchmarks.round_memory import _child; _child()"
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=False
            )
    finally:
        server.stop()
    if done.returncode != 0:
        raise RuntimeError(f"memory benchmark child failed: {done.stderr.strip()[-500:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    if not measured["passed"]:
        raise RuntimeError("memory benchmark round failed")
    return [
        Row(
            name=f"peak RSS (VmHWM), one {TARGETS}-target round",
            baseline="100 MB budget (128 MB Lambda)",
            value=measured["maxrss_kb"] / 1024,
            baseline_value=100.0,
            target=1.0,
            unit="MB",
        ),
        Row(
            name="tracemalloc peak inside that round",
            baseline="100 MB budget",
            value=measured["tracemalloc_peak"] / 2**20,
            baseline_value=100.0,
            unit="MB",
        ),
    ]


def run(quick: bool) -> list[Row]:
    return _memory()
