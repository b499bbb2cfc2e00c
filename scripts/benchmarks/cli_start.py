"""Command-line tools measured as whole processes, the way a user runs them.

1. `mailcanary smtp-probe` sending one plain message vs a bare Python script doing the same smtplib send
   (target 1.3x): what the CLI adds is imports and argument parsing, so this is its start-up budget.
2. `mailcanary check-transcript` on a large Postfix debug log vs reading the same file line by line in
   Python (target 3x); the log is built here from the real capture tests/data/transcripts/ok.postfix.log
   (sessions repeated with new pids, two processes interleaved), 100 MB (8 MB with --quick).
3. Its peak RSS on that log vs on a log a quarter the size (target 1.2x: memory flat with file size).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint, LabTls
from scripts.benchmarks._common import Row, interleaved_medians

SAMPLE = Path(__file__).resolve().parents[2] / "tests" / "data" / "transcripts" / "ok.postfix.log"
_BARE_SEND = """
import smtplib, sys
client = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=10)
to = "success@simulator.amazonses.com"
message = "From: canary@example.com\\r\\nTo: " + to + "\\r\\nSubject: canary\\r\\n\\r\\nhi\\r\\n"
client.sendmail("canary@example.com", [to], message)
client.quit()
"""
_READ_LINES = "import sys\nfor line in open(sys.argv[1]):\n    pass\n"
_PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _run(args: list[str]) -> None:
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=600)


def _probe_rows(quick: bool) -> list[Row]:
    repeats = 3 if quick else 21
    with LabSmtpEndpoint(tls=LabTls.NONE, require_auth=False) as endpoint:
        host, port = endpoint.host, str(endpoint.port)
        probe = [sys.executable, "-m", "mailcanary", "smtp-probe", "--server", f"{host}:{port}", "--tls", "none"]
        probe += ["--from", "canary@example.com", "--to", "success@simulator.amazonses.com"]
        bare = [sys.executable, "-c", _BARE_SEND, host, port]
        probed, sent = interleaved_medians(lambda: _run(probe), lambda: _run(bare), repeats)
    return [Row("smtp-probe plain send, whole process", "bare Python smtplib send script", probed, sent, 1.3)]


def build_postfix_log(path: Path, megabytes: int) -> int:
    """A Postfix log of about `megabytes` MB: the real session repeated, two smtpd processes interleaved."""
    lines = SAMPLE.read_text().splitlines(keepends=True)
    pid = re.search(r"smtpd\[(\d+)\]", lines[0])
    assert pid is not None
    tag = f"smtpd[{pid[1]}]"
    size, sessions, target = 0, 0, megabytes * 1_000_000
    with path.open("w") as out:
        while size < target:
            first = [line.replace(tag, f"smtpd[{10000 + sessions % 50000}]") for line in lines]
            second = [line.replace(tag, f"smtpd[{60000 + sessions % 50000}]") for line in lines]
            block = "".join(a + b for a, b in zip(first, second, strict=True))
            out.write(block)
            size += len(block)
            sessions += 2
    return sessions


def _peak_kb(args: list[str]) -> float:
    done = subprocess.run([sys.executable, "-c", _PEAK_RSS, *args], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def _log_rows(quick: bool) -> list[Row]:
    megabytes, repeats = (8, 3) if quick else (100, 5)
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.log", Path(tmp) / "small.log"
        sessions = build_postfix_log(big, megabytes)
        build_postfix_log(small, megabytes // 4)
        check = [sys.executable, "-m", "mailcanary", "check-transcript"]
        checked, read = interleaved_medians(
            lambda: _run([*check, str(big)]), lambda: _run([sys.executable, "-c", _READ_LINES, str(big)]), repeats
        )
        peak_big, peak_small = _peak_kb([*check, str(big)]), _peak_kb([*check, str(small)])
    mb = big_size = megabytes
    note = f"{mb} MB, {sessions} sessions; {big_size / checked:.0f} MB/s vs {big_size / read:.0f} MB/s"
    return [
        Row(
            f"check-transcript postfix log ({mb} MB), whole process",
            "python: for line in open(file)",
            checked,
            read,
            3.0,
            note=note,
        ),
        Row(f"check-transcript peak RSS at {mb} MB", f"peak RSS at {mb // 4} MB", peak_big, peak_small, 1.2, unit="kB"),
    ]


def run(quick: bool) -> list[Row]:
    return _probe_rows(quick) + _log_rows(quick)
