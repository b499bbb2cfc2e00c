"""One canary round's fan-out and memory.

(b) A round with 50 SMTP targets against one with a single target. Every target is its own aiosmtpd server on
127.0.0.1 (all served by one event loop) that waits 200 ms before answering the final dot, the way a real
relay scans a message. Plain SMTP without AUTH, so the ratio shows the fan-out rather than 50 TLS handshakes
on a shared 2-core machine. The canary records go to moto's DynamoDB in process (moto is CPU-bound where
DynamoDB is network-bound, so this overstates the store's share). Target: at most 3x.

(c) Peak memory of one 50-target round, in a fresh subprocess that imports only what Lambda imports (the
store is a moto server in this process, reached over HTTP): the subprocess's peak resident set and the
round's own tracemalloc peak. Target: under 100 MB, so the 128 MB default function size suffices. The peak
is read from /proc/self/status (VmHWM), not ru_maxrss: on Linux ru_maxrss survives exec, so a child forked
from this benchmark (moto loaded, ~300 MB) would report the parent's peak instead of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scripts.benchmarks._common import Row

ROOT = Path(__file__).resolve().parents[2]
TARGETS = 50
DELAY_SECONDS = 0.2
TABLE = "bench-canaries"
REGION = "us-east-1"
SENDER = "canary@example.com"


class _SlowHandler:
    """Accepts everything; answers the final dot after 200 ms with SES's `250 Ok <message-id>`."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(DELAY_SECONDS)
        return f"250 Ok 0100{secrets.token_hex(16)}-000000"


@contextmanager
def slow_servers(count: int) -> Iterator[list[int]]:
    """`count` SMTP servers on 127.0.0.1 (one event loop in one thread); yields their ports."""
    from aiosmtpd.smtp import SMTP

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="bench-smtp", daemon=True)
    thread.start()

    async def start() -> list[asyncio.base_events.Server]:
        handler = _SlowHandler()
        return [
            await loop.create_server(lambda: SMTP(handler, hostname="localhost"), "127.0.0.1", 0) for _ in range(count)
        ]

    servers = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield [server.sockets[0].getsockname()[1] for server in servers]
    finally:

        async def stop() -> None:
            for server in servers:
                server.close()
                await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def _targets(ports: list[int]) -> list[dict[str, Any]]:
    return [
        {"name": f"t{i}", "host": "127.0.0.1", "port": port, "tls": "none", "auth": False}
        for i, port in enumerate(ports)
    ]


def _settings_values(ports: list[int]) -> dict[str, Any]:
    return {"sender": SENDER, "table_name": TABLE, "alert_topic_arn": "", "smtp_targets": _targets(ports)}


def _fan_out(quick: bool) -> Row:
    import boto3
    from moto import mock_aws

    from mailcanary.canary import run_round
    from mailcanary.config import Settings
    from mailcanary.events_in import RoundOverrides
    from mailcanary.runtime import Runtime
    from mailcanary.store import canary_table_definition

    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    overrides = RoundOverrides(trigger="console", paths=frozenset({"smtp"}))
    try:
        with mock_aws(), slow_servers(TARGETS) as ports:
            client = boto3.client("dynamodb", region_name=REGION)

            def round_of(count: int, run: int) -> float:
                # A fresh table per round: moto copies a table for every transaction, so a growing table
                # would make each later round slower for reasons that have nothing to do with the fan-out.
                table = f"{TABLE}-{count}-{run}"
                client.create_table(**canary_table_definition(table))
                values = _settings_values(ports[:count]) | {"table_name": table}
                runtime = Runtime(Settings.model_validate(values), clients=lambda service, region: client)
                started = time.perf_counter()
                result = run_round(runtime, overrides)
                elapsed = time.perf_counter() - started
                if not result.passed:
                    raise RuntimeError(f"benchmark round failed: {result.to_summary()}")
                client.delete_table(TableName=table)
                return elapsed

            repeats = 2 if quick else 7
            round_of(1, -1), round_of(TARGETS, -1)  # warm-up
            samples = [(round_of(1, run), round_of(TARGETS, run)) for run in range(repeats)]
            single = statistics.median(one for one, _ in samples)
            many = statistics.median(fifty for _, fifty in samples)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    from mailcanary.canary import MAX_WORKERS

    return Row(
        name=f"round, {TARGETS} SMTP targets (200 ms each)",
        baseline="the same round, 1 target",
        value=many,
        baseline_value=single,
        target=3.0,
        note=f"{MAX_WORKERS} threads",
    )


def _child() -> None:
    """In a fresh interpreter: one 50-target round against the moto server; print peak memory as JSON."""
    import tracemalloc

    from mailcanary.canary import run_round
    from mailcanary.config import Settings
    from mailcanary.events_in import RoundOverrides
    from mailcanary.runtime import Runtime

    ports = json.loads(os.environ["BENCH_PORTS"])
    runtime = Runtime(Settings.model_validate(_settings_values(ports)))
    tracemalloc.start()
    result = run_round(runtime, RoundOverrides(trigger="console", paths=frozenset({"smtp"})))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    status = Path("/proc/self/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    print(json.dumps({"passed": result.passed, "tracemalloc_peak": peak, "maxrss_kb": rss_kb}))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
            code = "from scripts.benchmarks.round import _child; _child()"
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
    return [_fan_out(quick), *_memory()]
