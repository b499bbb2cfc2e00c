"""One canary round's fan-out.

(b) A round with 50 SMTP targets against one with a single target. Every target is its own aiosmtpd server on
127.0.0.1 that waits 200 ms before answering the final dot, the way a real relay scans a message. Real
targets are independent servers, so the 50 run outside the benchmark's process, spread over SERVER_PROCESSES
processes with an event loop each: the server side must not be what is measured. Plain SMTP without AUTH,
so the ratio shows the fan-out rather than 50 TLS handshakes on a shared 2-core machine. The canary records
go to moto's DynamoDB served from its own process, over HTTP (DynamoDB is a service outside the function
too; moto in this process would spend its CPU under the round's GIL, where DynamoDB spends network time).
moto is still slower than DynamoDB for the round's one transaction (creating the pending canary: moto copies
the whole table for every item of a TransactWriteItems), so the store's share stays somewhat overstated.
Alerts are on, as in the default deployment (SNS on the same moto server). Medians over 7 rounds of each
size, alternating. Target: at most 3x.

Two info rows (no target) split each of those rounds in two, measured in the same runs. "last SMTP session
done": from the round's start to the last DATA reply any target sent in that round. The server processes stamp
every DATA reply with time.time() into a shared append-only file just before answering, and the benchmark
takes time.time() just before canary_round: both the same clock on the same machine, read from outside the
library. The round cannot end before that last reply reaches it, so this is how long the fan-out (plus the
round's set-up: the canary's first write and the open-alerts read) kept the round busy. "round after the last
session": the round's end (time.time() when canary_round returns) minus that last reply, i.e. what the round
still waited for once every session was over: the send items still queued for DynamoDB (BatchWriteItem, 25 per
call), the decisions, settling the canary, and emitting metrics.

Peak memory of such a round is in round_memory.py.
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
import tempfile
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
    """Accepts everything; answers the final dot after 200 ms with SES's `250 Ok <message-id>`.

    With a stamp file, appends the wall-clock time of each reply to it (one line, one O_APPEND write, so the
    server processes sharing the file never interleave) before answering: the client cannot see the reply
    before its stamp is on disk."""

    def __init__(self, stamps: str = "") -> None:
        self._stamps = os.open(stamps, os.O_WRONLY | os.O_APPEND | os.O_CREAT) if stamps else None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(DELAY_SECONDS)
        if self._stamps is not None:
            os.write(self._stamps, f"{time.time():.6f}\n".encode())
        return f"250 Ok 0100{secrets.token_hex(16)}-000000"


SERVER_PROCESSES = 2  # one per core here; each process serves its share of the targets on its own event loop


def serve(count: int, stamps: str = "") -> None:
    """In a server process: `count` slow SMTP servers on one event loop; print their ports, serve until stdin
    closes. With `stamps`, every DATA reply's time.time() is appended to that file."""
    from aiosmtpd.smtp import SMTP

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = _SlowHandler(stamps)
        servers = [
            await loop.create_server(lambda: SMTP(handler, hostname="localhost"), "127.0.0.1", 0) for _ in range(count)
        ]
        print(json.dumps([server.sockets[0].getsockname()[1] for server in servers]), flush=True)
        await loop.run_in_executor(None, sys.stdin.read)  # returns when the benchmark closes our stdin
        for server in servers:
            server.close()

    asyncio.run(main())


@contextmanager
def slow_servers(count: int, processes: int = SERVER_PROCESSES, stamps: Path | None = None) -> Iterator[list[int]]:
    """`count` SMTP servers on 127.0.0.1, spread over `processes` processes (each its own interpreter and event
    loop, like independent relays: the servers must not share the benchmark's GIL or one loop); yields ports.
    With `stamps`, the servers append the time.time() of every DATA reply to that file (see last_reply)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "shared"), str(ROOT)]))
    shares = [count // processes + (1 if i < count % processes else 0) for i in range(processes)]
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"from scripts.benchmarks.round import serve; serve({share}, {str(stamps or '')!r})",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for share in shares
        if share
    ]
    try:
        ports: list[int] = []
        for child in children:
            assert child.stdout is not None
            line = child.stdout.readline()
            if not line:
                raise RuntimeError("an SMTP server process did not start")
            ports += json.loads(line)
        yield ports
    finally:
        for child in children:
            assert child.stdin is not None
            child.stdin.close()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)
            if child.stdout is not None:
                child.stdout.close()


def last_reply(stamps: Path, since: float, until: float) -> float:
    """The latest DATA reply stamped in [since, until] (time.time() values); rounds never overlap, so these
    are one round's replies. Raises when there is none: a round that sent nothing has no session to time."""
    times = [float(line) for line in stamps.read_text().split()]
    inside = [t for t in times if since <= t <= until]
    if not inside:
        raise RuntimeError("no SMTP DATA reply was stamped during the round")
    return max(inside)


def _targets(ports: list[int]) -> list[dict[str, Any]]:
    return [
        {"name": f"t{i}", "host": "127.0.0.1", "port": port, "tls": "none", "auth": False}
        for i, port in enumerate(ports)
    ]


def _settings_values(ports: list[int]) -> dict[str, Any]:
    return {"sender": SENDER, "table_name": TABLE, "alert_topic_arn": "", "smtp_targets": _targets(ports)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def dynamodb_service() -> Iterator[str]:
    """moto's DynamoDB as a server in its own process (as DynamoDB is a service outside the function's
    process); yields its endpoint URL. In this process moto's CPU would compete with the round for the GIL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the moto server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _fan_out(quick: bool) -> list[Row]:
    import boto3
    from botocore.config import Config

    from mailcanary.config.clients import MAX_POOL_CONNECTIONS
    from mailcanary.config.events import RoundOverrides
    from mailcanary.config.runtime import Runtime
    from mailcanary.config.settings import Settings
    from mailcanary.services.rounds import canary_round
    from mailcanary.store import canary_table_definition

    overrides = RoundOverrides(trigger="console", paths=frozenset({"smtp"}))
    with (
        tempfile.TemporaryDirectory(prefix="bench-round-") as scratch,
        dynamodb_service() as endpoint,
        slow_servers(TARGETS, stamps=Path(scratch) / "data-replies") as ports,
    ):
        stamps = Path(scratch) / "data-replies"
        stamps.touch()
        client = boto3.client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(max_pool_connections=MAX_POOL_CONNECTIONS),  # as mailcanary.config.clients builds it
        )
        # The default deployment has an alert topic, so the round does its alert bookkeeping here too (SNS on
        # the same moto server; a passing round publishes nothing but still reads its open alerts).
        sns = boto3.client(
            "sns",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        topic_arn = sns.create_topic(Name="bench-alerts")["TopicArn"]
        clients = {"dynamodb": client, "sns": sns}

        def round_of(count: int, run: int) -> tuple[float, float, float, float]:
            """Wall time, CPU, time to the last DATA reply, and the time the round went on after it."""
            # A fresh table per round: moto copies a table for every transaction, so a growing table
            # would make each later round slower for reasons that have nothing to do with the fan-out.
            table = f"{TABLE}-{count}-{run}"
            client.create_table(**canary_table_definition(table))
            values = _settings_values(ports[:count]) | {"table_name": table, "alert_topic_arn": topic_arn}
            runtime = Runtime(Settings.model_validate(values), clients=lambda service, region: clients[service])
            wall_started = time.time()  # the clock the server processes stamp their replies with
            started, cpu_started = time.perf_counter(), time.process_time()
            result = canary_round(runtime, overrides)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            wall_ended = time.time()
            if not result.passed:
                raise RuntimeError(f"benchmark round failed: {result.to_summary()}")
            client.delete_table(TableName=table)
            last = last_reply(stamps, wall_started, wall_ended)
            return elapsed, cpu, last - wall_started, wall_ended - last

        repeats = 2 if quick else 7
        round_of(1, -1), round_of(TARGETS, -1)  # warm-up
        samples = [(round_of(1, run), round_of(TARGETS, run)) for run in range(repeats)]
    from mailcanary.round.run import MAX_WORKERS

    return [
        Row(
            name=f"round, {TARGETS} SMTP targets (200 ms each)",
            baseline="the same round, 1 target",
            value=statistics.median(fifty[0] for _, fifty in samples),
            baseline_value=statistics.median(one[0] for one, _ in samples),
            target=3.0,
            note=f"{MAX_WORKERS} threads, {SERVER_PROCESSES} server processes, DynamoDB in its own process",
        ),
        # The round's own CPU (all its threads; servers and DynamoDB are other processes): under one GIL the
        # client side of 50 sessions runs one at a time, and a 128 MB Lambda has a fraction of one vCPU.
        Row(
            name=f"  CPU of that round ({TARGETS} targets)",
            baseline="CPU of the 1-target round",
            value=statistics.median(fifty[1] for _, fifty in samples),
            baseline_value=statistics.median(one[1] for one, _ in samples),
        ),
        # The same rounds split at the last DATA reply the servers stamped (see the module docstring).
        Row(
            name=f"  of it: until the last SMTP session done ({TARGETS})",
            baseline="the same, 1 target",
            value=statistics.median(fifty[2] for _, fifty in samples),
            baseline_value=statistics.median(one[2] for one, _ in samples),
            note="round start to last DATA reply, stamped by the servers",
        ),
        Row(
            name=f"  of it: round after the last session ({TARGETS})",
            baseline="the same, 1 target",
            value=statistics.median(fifty[3] for _, fifty in samples),
            baseline_value=statistics.median(one[3] for one, _ in samples),
            note="the last send items, then metrics",
        ),
    ]


def run(quick: bool) -> list[Row]:
    return _fan_out(quick)
