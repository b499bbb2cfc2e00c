"""Arrival verification: what proving one arrived copy costs, against dkimpy's verification alone.

Row 1: one copy of a signed canary (2048-bit RSA, relaxed/relaxed, as SES signs) read, judged by every delivery
check and DKIM-verified by us (`with_own_dkim` + `judge_arrival`), against `dkim.verify` on the same bytes with
the same in-process key lookup (no DNS in either). Target at most 1.3x: the checks cost under a third of the
signature check they sit beside. Samples alternate; the note adds the median of neighbouring-sample ratios.
Row 2: a 50-recipient round's arrival checks (50 copies, one per recipient, each verified and all judged at
once) in a fresh interpreter that imports only the arrival package: its peak resident set (VmHWM) against the
100 MB budget of a 128 MB function, and the checks' own tracemalloc peak.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scripts.benchmarks._common import Row, interleaved_samples, paired_ratio

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = b"canary.example"
SELECTOR = b"bench"
SENT_AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
RECIPIENTS = 50  # SES's limit per message


def _key() -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def _world(recipients: int) -> tuple[object, list[object], object]:
    """(expectation, one signed copy per recipient, key lookup) for a canary to `recipients` addresses."""
    import dkim

    from mailcanary.arrival.expected import expected_arrival
    from mailcanary.arrival.model import ArrivedMessage, AuthVerdict, ReceiverKind
    from mailcanary.message import build_canary

    private, record = _key()
    to = [f"r{index}+bench@inbound.example" for index in range(recipients)]
    sent = build_canary("bench1", "canary@canary.example", to[:2], to[2:3], to[3:], date=SENT_AT)
    signed = dkim.sign(sent.raw, SELECTOR, DOMAIN, private, canonicalize=(b"relaxed", b"relaxed")) + sent.raw
    expected = expected_arrival(
        sent.raw, path_name="api", target="ses", sent_at=SENT_AT, envelope=sent.envelope_recipients
    )
    verdicts = {"spf": AuthVerdict.PASS, "dkim": AuthVerdict.PASS, "dmarc": AuthVerdict.PASS}
    copies = [
        ArrivedMessage(
            raw=signed,
            receiver=ReceiverKind.IMAP,
            received_at=SENT_AT + timedelta(seconds=5),
            envelope_recipients=(address,),
            receiver_verdicts=verdicts,
            location=f"imaps://bench/INBOX;UID={index}",
        )
        for index, address in enumerate(sent.envelope_recipients)
    ]

    def lookup(name: bytes, timeout: float = 5) -> bytes | None:
        return record if name.rstrip(b".") == SELECTOR + b"._domainkey." + DOMAIN else None

    return expected, copies, lookup


def _per_message(quick: bool) -> Row:
    import dkim

    from mailcanary.arrival.checks import judge_arrival
    from mailcanary.arrival.dkim import with_own_dkim

    expected, copies, lookup = _world(1)
    arrived = copies[0]
    raw = arrived.raw  # type: ignore[attr-defined]
    now = SENT_AT + timedelta(hours=1)
    passes = 5 if quick else 20

    def ours() -> None:
        for _ in range(passes):
            verdicts = judge_arrival(expected, [with_own_dkim(arrived, lookup)], now=now)  # type: ignore[arg-type]
            assert all(verdict.passed for verdict in verdicts), verdicts

    def dkimpy() -> None:
        for _ in range(passes):
            assert dkim.verify(raw, dnsfunc=lookup)

    ours_samples, bare_samples = interleaved_samples(ours, dkimpy, repeats=3 if quick else 31, warmup=2)
    mine, bare = statistics.median(ours_samples), statistics.median(bare_samples)
    return Row(
        name=f"arrival: parse + checks + DKIM verify, 1 copy x{passes}",
        baseline="dkimpy dkim.verify alone",
        value=mine / passes,
        baseline_value=bare / passes,
        target=1.3,
        note=f"{passes / mine:,.0f} msg/s vs {passes / bare:,.0f} msg/s; "
        f"paired ratio {paired_ratio(ours_samples, bare_samples):.2f}x",
    )


def _child() -> None:
    """In a fresh interpreter: verify and judge a 50-recipient round's copies; print peak memory as JSON."""
    import tracemalloc

    from mailcanary.arrival.checks import judge_arrival
    from mailcanary.arrival.dkim import with_own_dkim

    expected, copies, lookup = _world(RECIPIENTS)
    tracemalloc.start()
    verified = [with_own_dkim(each, lookup) for each in copies]  # type: ignore[arg-type]
    verdicts = judge_arrival(expected, verified, now=SENT_AT + timedelta(hours=1))  # type: ignore[arg-type]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    status = Path("/proc/self/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    passed = all(verdict.passed for verdict in verdicts) and len(verified) == RECIPIENTS
    print(json.dumps({"passed": passed, "tracemalloc_peak": peak, "maxrss_kb": rss_kb}))


def _memory() -> list[Row]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "shared"), str(ROOT)]))
    code = "from scripts.benchmarks.arrival import _child; _child()"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"arrival memory child failed: {done.stderr.strip()[-500:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    if not measured["passed"]:
        raise RuntimeError("arrival memory benchmark: the copies did not all pass")
    return [
        Row(
            name=f"arrival: peak RSS, {RECIPIENTS}-recipient round's checks",
            baseline="100 MB budget (128 MB Lambda)",
            value=measured["maxrss_kb"] / 1024,
            baseline_value=100.0,
            target=1.0,
            unit="MB",
        ),
        Row(
            name="arrival: tracemalloc peak of those checks",
            baseline="100 MB budget",
            value=measured["tracemalloc_peak"] / 2**20,
            baseline_value=100.0,
            unit="MB",
        ),
    ]


def run(quick: bool) -> list[Row]:
    return [_per_message(quick), *_memory()]
