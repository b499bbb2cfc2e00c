"""Preflight on a hostile header: a 140 KB To header of encoded words (before the parsing limits: 1.4 GB).

Row 1: peak traced memory of `mailcanary preflight` (in-process, the same code path as the command) on that
message, against the peak of `email.message_from_bytes` on the same bytes (what any mail reader pays just to
hold it). The absolute target is under 50 MB; the note says whether it was met. Row 2: its wall time against
preflight on the consistent sample message, medians of interleaved runs.
"""

from __future__ import annotations

import contextlib
import email
import io
import statistics
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from mailcanary.cli import main
from scripts.benchmarks._common import Row, interleaved_samples

ROOT = Path(__file__).resolve().parents[2]
CONSISTENT = ROOT / "tests" / "data" / "preflight" / "consistent.eml"
TARGET_MB = 50.0
ADVERSARIAL = (
    b"From: a@example.com\r\nTo: "
    + b" ".join([b"=?utf-8?q?Z=C3=B6e?="] * 7000)
    + b" <z@example.com>\r\nSubject: s\r\n\r\nbody\r\n"
)


def _preflight(path: Path) -> Callable[[], object]:
    def run() -> object:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return main(["preflight", "--raw", str(path)])

    return run


def _peak_mb(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(quick: bool) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        hostile = Path(folder) / "hostile.eml"
        hostile.write_bytes(ADVERSARIAL)
        code = _preflight(hostile)()
        assert code == 3, f"preflight must call the 140 KB header too large (exit 3), got {code}"
        repeats = 3 if quick else 9
        ours = statistics.median(_peak_mb(_preflight(hostile)) for _ in range(repeats))
        bare = statistics.median(_peak_mb(lambda: email.message_from_bytes(ADVERSARIAL)) for _ in range(repeats))
        times = interleaved_samples(_preflight(hostile), _preflight(CONSISTENT), 20 if quick else 200, warmup=3)
    verdict = "met" if ours < TARGET_MB else "MISSED"
    return [
        Row(
            "preflight: 140 KB encoded-word To, peak memory",
            "email.message_from_bytes, same bytes",
            ours,
            bare,
            None,
            unit="MB",
            note=f"absolute target < {TARGET_MB:.0f} MB: {verdict} (1.4 GB before the limits)",
        ),
        Row(
            "preflight: 140 KB encoded-word To, wall time",
            "preflight on consistent.eml",
            statistics.median(times[0]),
            statistics.median(times[1]),
            None,
            note="answered 'too large' (exit 3) without parsing",
        ),
    ]
