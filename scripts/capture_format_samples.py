"""Capture small real samples of each client/server/packet format for tests/data/transcripts.

Run `.venv/bin/python scripts/capture_format_samples.py` as root after `scripts/capture-tools.sh` and with the
lab Postfix started (`scripts/postfix-lab.sh start`). It drives the same programs as the functional capture
tests (tests/functional/transcripts): smtplib, Nodemailer, PHPMailer and tcpdump against an aiosmtpd server
on 127.0.0.1, and smtplib against the lab Postfix for its debug log. Each file is the program's own output,
unedited; re-running rewrites them (dates, ports, pids and queue ids change, the dialogues do not).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "functional" / "transcripts"))

from capture_lab import SMTPLIB_SCRIPT, TOOLS, lab_server  # noqa: E402

OUT = ROOT / "tests" / "data" / "transcripts"
PHP_AUTOLOAD = "/usr/share/php/libphp-phpmailer/autoload.php"
NODE_DRIVER = ROOT / "tests" / "functional" / "transcripts" / "nodemailer_capture.js"
PHP_DRIVER = ROOT / "tests" / "functional" / "transcripts" / "phpmailer_capture.php"


def _run(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, capture_output=True, timeout=60, check=False)


def clients(tmp: Path) -> None:
    for scenario in ("ok", "pipelining-not-advertised"):
        with lab_server(tmp) as lab:
            done = _run([sys.executable, SMTPLIB_SCRIPT, lab.host, str(lab.port), "2", scenario, str(lab.ca_file)])
        (OUT / f"{scenario}.smtplib.txt").write_bytes(done.stderr)
        with lab_server(tmp) as lab:
            done = _run(
                [
                    "node",
                    str(NODE_DRIVER),
                    str(TOOLS / "node_modules" / "nodemailer"),
                    lab.host,
                    str(lab.port),
                    scenario,
                ]
            )
        (OUT / f"{scenario}.nodemailer.txt").write_bytes(done.stdout)
        with lab_server(tmp) as lab:
            args = ["php", str(PHP_DRIVER), PHP_AUTOLOAD, lab.host, str(lab.port), scenario, "2", str(lab.ca_file)]
            done = _run(args)
        (OUT / f"{scenario}.phpmailer.txt").write_bytes(done.stdout)


def pcap(tmp: Path) -> None:
    path = OUT / "data-before-rcpt.port-{port}.pcap"
    with lab_server(tmp) as lab:
        target = Path(str(path).format(port=lab.port))
        for old in OUT.glob("data-before-rcpt.port-*.pcap"):
            old.unlink()
        dump = subprocess.Popen(
            ["tcpdump", "-i", "lo", "-U", "-n", "-w", str(target), f"tcp port {lab.port}"], stderr=subprocess.DEVNULL
        )
        time.sleep(1.5)
        _run([sys.executable, SMTPLIB_SCRIPT, lab.host, str(lab.port), "0", "data-before-rcpt", str(lab.ca_file)])
        time.sleep(0.5)
        dump.send_signal(signal.SIGINT)
        dump.wait(10)


def postfix() -> None:
    log = Path("/var/log/postfix.log")
    start = log.stat().st_size
    token = f"sample{int(time.time())}"
    _run(
        [
            sys.executable,
            SMTPLIB_SCRIPT,
            "127.0.0.1",
            "2525",
            "0",
            "mail-before-ehlo",
            "-",
            f"{token}@example.com",
            "root@localhost",
            "nobody@localhost",
        ]
    )
    time.sleep(2)
    with log.open("rb") as handle:
        handle.seek(start)
        chunk = handle.read()
    pid = re.search(rb"smtpd\[(\d+)\]: [<>] [^\n]*" + token.encode(), chunk)
    assert pid, "Postfix did not log the session"
    lines = [line for line in chunk.splitlines(keepends=True) if b"smtpd[" + pid[1] + b"]" in line]
    (OUT / "mail-before-ehlo.postfix.log").write_bytes(b"".join(lines))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        clients(Path(tmp))
        pcap(Path(tmp))
    postfix()
