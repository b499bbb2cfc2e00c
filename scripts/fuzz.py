"""`make fuzz`: mutation fuzzing of the parsers that read hostile input, in-process, bounded in count and time.

Targets: parse-bounce (`mailcanary.bounce.parse_bounce`), check-transcript (`load_transcript` + `validate`, what
the CLI runs), preflight/guard (`parse_header_recipients` + `compare`, and `check_send_raw_email`), SES events
(`parse_ses_event`), and arrival (what the arrival checks, our DKIM check, the Authentication-Results reader and
the bounce matcher make of an arrived copy). Inputs are mutations of the real samples in tests/data/ (bit flips,
cuts, splices, repeats) plus generated adversarial forms (deep nesting, 1,000 `(`, long encoded-word runs,
invalid UTF-8, huge lines). Each input is timed (an alarm aborts one after `--abort-seconds`), its peak RSS is measured
(Linux: the high-water mark is reset before each input) and every 25th is also traced with tracemalloc.
A typed error of the target's own is a handled answer, anything else a failure.

Targets per input: no unhandled exception, none over 2 s, none over 200 MB. Failing inputs are written to
`--save` (default .fuzz-failures/). Not part of `make test`: it runs for minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared")]

from mailcanary.arrival.auth_results import receiver_verdicts  # noqa: E402
from mailcanary.arrival.bounces import bounce_verdicts  # noqa: E402
from mailcanary.arrival.checks import judge_arrival  # noqa: E402
from mailcanary.arrival.dkim import verify_dkim  # noqa: E402
from mailcanary.arrival.expected import expected_arrival  # noqa: E402
from mailcanary.arrival.model import ArrivedMessage, ReceiverKind  # noqa: E402
from mailcanary.bounce import BounceParseError, parse_bounce  # noqa: E402
from mailcanary.guard import check_send_raw_email  # noqa: E402
from mailcanary.message import build_canary  # noqa: E402
from mailcanary.recipients import compare, parse_header_recipients  # noqa: E402
from mailcanary.ses.errors import SesEventParseError  # noqa: E402
from mailcanary.ses.events import parse_ses_event  # noqa: E402
from mailcanary.smtp.errors import TranscriptFormatError  # noqa: E402
from mailcanary.smtp.sequence import validate  # noqa: E402
from mailcanary.smtp.transcript_io import load_transcript  # noqa: E402

DATA = ROOT / "tests" / "data"
TIME_LIMIT = 2.0
MEMORY_LIMIT_MB = 200.0


class _Aborted(BaseException):
    """Raised by the alarm inside an input that ran past --abort-seconds (a BaseException: no target catches it)."""


def _bounce(data: bytes) -> None:
    with contextlib.suppress(BounceParseError):
        parse_bounce(data)


_SCRATCH = {"folder": Path(".")}  # set by main() to a fresh temporary folder


def _transcript(data: bytes) -> None:
    """What `check-transcript FILE` runs: the file loader (its decoding included), then the judge."""
    path = _SCRATCH["folder"] / "transcript.txt"
    path.write_bytes(data)
    try:
        loaded = load_transcript(path)
    except TranscriptFormatError:
        return
    validate(loaded.transcript, tls_required=True)


def _preflight(data: bytes) -> None:
    header = parse_header_recipients(data)
    compare(intended=None, header=header, envelope=["a@example.com", data[:64].decode("latin-1")])
    check_send_raw_email({"RawMessage": {"Data": data}, "Destinations": ["a@example.com"]})


def _ses_event(data: bytes) -> None:
    with contextlib.suppress(SesEventParseError):
        parse_ses_event(data)


_SENT_AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
_SENT = build_canary("fuzz1", "canary@canary.example", ["a@inbound.example"], ["b@inbound.example"], date=_SENT_AT)
_EXPECTED = expected_arrival(
    _SENT.raw, path_name="api", target="ses", sent_at=_SENT_AT, envelope=_SENT.envelope_recipients
)


def _no_key(name: bytes, timeout: float = 5) -> bytes | None:
    return None


def _arrival(data: bytes) -> None:
    """An arrived copy through every arrival reader: the checks, our DKIM check, Authentication-Results, bounces."""
    copy = ArrivedMessage(data, ReceiverKind.IMAP, _SENT_AT + timedelta(seconds=5), envelope_recipients=("a@x",))
    judge_arrival(_EXPECTED, [copy], now=_SENT_AT + timedelta(hours=1))
    verify_dkim(data, _no_key)
    receiver_verdicts(data, "mx.inbound.example")
    with contextlib.suppress(BounceParseError):
        bounce_verdicts(data, [_EXPECTED], returned_to=["canary+fuzz1=api@b.example"])


@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[bytes], None]
    seeds: tuple[Path, ...]


def _files(*patterns: str) -> tuple[Path, ...]:
    return tuple(sorted(path for pattern in patterns for path in DATA.glob(pattern) if path.is_file()))


TARGETS = (
    Target("parse-bounce", _bounce, _files("bounces/*.eml", "preflight/*.eml")),
    Target("check-transcript", _transcript, _files("transcripts/*.txt", "transcripts/*.json")),
    Target("preflight-guard", _preflight, _files("preflight/*.eml", "bounces/*.eml")),
    Target("ses-events", _ses_event, _files("ses-docs/*.json", "dead-letters/*.json")),
    Target("arrival", _arrival, _files("bounces/*.eml", "preflight/*.eml")),
)

ADVERSARIAL: tuple[tuple[str, bytes], ...] = (
    ("1,000 '('", b"To: " + b"(" * 1000 + b"a@example.com\r\n\r\n"),
    ("140 KB of encoded words", b"To: " + b" ".join([b"=?utf-8?q?Z=C3=B6e?="] * 7000) + b" <z@example.com>\r\n\r\n"),
    ("encoded words without spaces", b"To: " + b"=?utf-8?q?a?=" * 5000 + b"<z@example.com>\r\n\r\n"),
    ("a run of =?", b"To: " + b"=?" * 20000 + b",?=\r\n\r\n"),
    ("invalid UTF-8", b"To: \xff\xfe\xfd <a@ex\xe9mple.com>\r\nSubject: \xc3\r\n\r\n\xff" * 10),
    ("a 2 MB line", b"Subject: " + b"x" * 2_000_000 + b"\r\n\r\nbody"),
    ("10,000 headers", b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) + b"\r\n"),
    ("deep JSON nesting", b"[" * 5000 + b"]" * 5000),
    ("deep JSON objects", b'{"Message":' * 3000 + b"1" + b"}" * 3000),
    (
        "deep MIME nesting",
        b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(500)),
    ),
    ("many commas", b"To: " + b"," * 100000 + b"\r\n\r\n"),
    ("a long swaks line", b"-> " + b"A" * 1_000_000 + b"\n<- 250 ok\n"),
    ("many swaks lines", b"".join(b"-> RCPT TO:<a@b>\n<- 250 ok\n" for _ in range(20000))),
    ("NUL and CR soup", b"\x00\r" * 50000),
)
_CHUNKS = (
    b"(",
    b")",
    b"=?utf-8?q?",
    b"?=",
    b"\r\n",
    b"\r\n ",
    b"\xff",
    b"\xc3",
    b'"',
    b"<",
    b">",
    b",",
    b"{",
    b"[",
    b"\x00",
)


def _mutate(rng: random.Random, seed: bytes, other: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 6)):
        choice = rng.randrange(7)
        at = rng.randrange(len(data) + 1)
        if choice == 0 and data:  # flip bits
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif choice == 1:  # cut a slice
            del data[at : at + rng.randint(1, 64)]
        elif choice == 2:  # insert random bytes
            data[at:at] = rng.randbytes(rng.randint(1, 16))
        elif choice == 3:  # insert a token that parsers treat specially
            data[at:at] = rng.choice(_CHUNKS) * rng.choice((1, 2, 10, 100))
        elif choice == 4:  # repeat a slice
            data[at:at] = bytes(data[at : at + rng.randint(1, 80)]) * rng.randint(2, 50)
        elif choice == 5 and other:  # splice in part of another sample
            start = rng.randrange(len(other))
            data[at:at] = other[start : start + rng.randint(1, 400)]
        else:  # truncate
            del data[at:]
    return bytes(data)


def _inputs(rng: random.Random, target: Target) -> Iterator[tuple[str, bytes]]:
    seeds = [(path.name, path.read_bytes()) for path in target.seeds]
    for name, data in seeds:
        yield f"sample {name}", data
    yield from ADVERSARIAL
    while True:
        name, seed = rng.choice(seeds)
        yield f"mutation of {name}", _mutate(rng, seed, rng.choice(seeds)[1])


@dataclass
class Stats:
    tried: int = 0
    seconds: float = 0.0
    slowest: tuple[float, str, int] = (0.0, "", 0)
    peak_traced_mb: float = 0.0
    peak_rss_mb: float = 0.0
    baseline_rss_mb: float = field(default_factory=lambda: _peak_rss_mb())
    failures: list[dict[str, object]] = field(default_factory=list)


_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _reset_peak_rss() -> bool:
    """Reset this process's RSS high-water mark (Linux >= 4.0); False where that is not possible."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_mb() -> float:
    """The RSS high-water mark of this address space. (`ru_maxrss` would not do: Linux keeps it across exec,
    so a child of a large process starts with its parent's peak.)"""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Aborted


def _once(target: Target, data: bytes, abort: float) -> tuple[str | None, float]:
    """Run one input: the problem (None when handled) and the seconds it took; an alarm stops a runaway."""
    problem = None
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, abort)
    try:
        target.run(data)
    except _Aborted:
        problem = f"aborted after {abort:.0f} s"
    except Exception as exc:  # anything a target does not answer with its own typed error is a finding
        problem = f"{type(exc).__name__}: {str(exc)[:160]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return problem, time.perf_counter() - started


def _fuzz(target: Target, count: int, seconds: float, abort: float, rng: random.Random, save: Path) -> Stats:
    stats = Stats()
    deadline = time.monotonic() + seconds
    for index, (description, data) in enumerate(_inputs(rng, target)):
        if index >= count or time.monotonic() > deadline:
            break
        resettable = _reset_peak_rss()
        before = _peak_rss_mb()
        problem, elapsed = _once(target, data, abort)
        peak_rss = _peak_rss_mb()
        stats.peak_rss_mb = max(stats.peak_rss_mb, peak_rss)
        grown = peak_rss - (before if resettable else stats.baseline_rss_mb)
        if problem is None and grown > MEMORY_LIMIT_MB:
            problem = f"RSS grew {grown:.0f} MB"
        if problem is None and elapsed > TIME_LIMIT:
            problem = f"{elapsed:.2f} s"
        if problem is None and (index % 25 == 0 or not description.startswith("mutation")):
            tracemalloc.start()  # again, traced: tracemalloc slows every allocation, so timing is untraced
            _once(target, data, abort)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            stats.peak_traced_mb = max(stats.peak_traced_mb, peak)
            if peak > MEMORY_LIMIT_MB:
                problem = f"{peak:.0f} MB traced"
        stats.tried += 1
        stats.seconds += elapsed
        if elapsed > stats.slowest[0]:
            stats.slowest = (elapsed, description, len(data))
        if problem is not None:
            digest = hashlib.sha256(data).hexdigest()[:12]
            save.mkdir(parents=True, exist_ok=True)
            path = save / f"{target.name}-{digest}.bin"
            path.write_bytes(data)
            stats.failures.append({"input": description, "bytes": len(data), "problem": problem, "saved": str(path)})
    return stats


def _table(summary: dict[str, dict[str, object]]) -> str:
    lines = []
    for name, row in summary.items():
        lines.append(
            f"{name:<18} tried {row['tried']:>7}  failures {row['failures']:>4}  "
            f"slowest {row['slowest_seconds']:>6.3f} s ({row['slowest_input']})  "
            f"peak traced {row['peak_traced_mb']:>6.1f} MB  peak RSS {row['peak_rss_mb']:.0f} MB"
        )
        for failure in row["failing_inputs"]:  # type: ignore[attr-defined]
            lines.append(f"    FAIL {failure['problem']}: {failure['input']} ({failure['bytes']} B) {failure['saved']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=100_000, help="inputs in total across targets (default 100000)")
    parser.add_argument("--budget-seconds", type=float, default=540, help="wall time in total (default 540)")
    parser.add_argument("--abort-seconds", type=float, default=20, help="abort one input after this long")
    parser.add_argument("--only", default="", help="run only targets whose name contains this")
    parser.add_argument("--seed", type=int, default=20261204, help="random seed (default fixed: reproducible)")
    parser.add_argument("--save", type=Path, default=ROOT / ".fuzz-failures", help="where failing inputs go")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, _on_alarm)
    _SCRATCH["folder"] = Path(tempfile.mkdtemp(prefix="mailcanary-fuzz-"))
    logging.disable(logging.CRITICAL)  # parsers log what they skip; thousands of inputs would bury the table
    targets = [target for target in TARGETS if args.only in target.name]
    summary = {}
    for target in targets:
        rng = random.Random(f"{args.seed}-{target.name}")
        stats = _fuzz(
            target, args.count // len(targets), args.budget_seconds / len(targets), args.abort_seconds, rng, args.save
        )
        summary[target.name] = {
            "tried": stats.tried,
            "failures": len(stats.failures),
            "slowest_seconds": round(stats.slowest[0], 3),
            "slowest_input": f"{stats.slowest[1]} ({stats.slowest[2]} bytes)",
            "peak_traced_mb": round(stats.peak_traced_mb, 1),
            "peak_rss_mb": round(stats.peak_rss_mb, 1),
            "failing_inputs": stats.failures[:20],
        }
        print(f"# {target.name}: {stats.tried} inputs, {len(stats.failures)} failures", file=sys.stderr, flush=True)
    shutil.rmtree(_SCRATCH["folder"], ignore_errors=True)
    print(json.dumps(summary, indent=2) if args.json else _table(summary))
    total_failures = sum(int(row["failures"]) for row in summary.values())  # type: ignore[call-overload]
    return 1 if total_failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
