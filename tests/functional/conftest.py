"""Functional-tier fixtures: the real Postfix on loopback (installed and started by scripts/postfix-lab.sh)."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint

ROOT = Path(__file__).resolve().parents[2]
POSTFIX_LAB = ROOT / "scripts" / "postfix-lab.sh"


@dataclass(frozen=True)
class PostfixLab:
    host: str
    port: int  # stock smtpd: unknown local users refused at RCPT
    bounce_port: int  # accepts unknown local users, then writes a real RFC 3464 bounce
    log_path: Path


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postfix_lab() -> Iterator[PostfixLab]:
    """A running Postfix on 127.0.0.1:2525/2526; stopped afterwards only if this fixture started it."""
    lab = PostfixLab("127.0.0.1", 2525, 2526, Path("/var/log/postfix.log"))
    if shutil.which("postfix") is None and shutil.which("postconf") is None:
        installed = subprocess.run(
            ["bash", str(POSTFIX_LAB), "install"], capture_output=True, text=True, check=False, timeout=600
        )
        if installed.returncode != 0:
            pytest.skip(f"Postfix could not be installed here: {installed.stderr.strip()[-200:]}")
    was_running = _listening(lab.host, lab.port)
    started = subprocess.run(
        ["bash", str(POSTFIX_LAB), "start"], capture_output=True, text=True, check=False, timeout=60
    )
    if started.returncode != 0:
        pytest.skip(f"Postfix could not be started here: {started.stderr.strip()[-200:]}")
    yield lab
    if not was_running:
        subprocess.run(["bash", str(POSTFIX_LAB), "stop"], capture_output=True, check=False, timeout=60)


@pytest.fixture
def no_lambda_log_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line as a user's process runs it, for tests that read its stdout: no Powertools handler on the
    `mailcanary` logger during the test. A Lambda handler loaded by an earlier test in the session attaches one
    (cached with the Logger, and restored afterwards for the handler tests that read it), and it prints JSON log
    lines into stdout."""
    monkeypatch.setattr(logging.getLogger("mailcanary"), "handlers", [])


StartEndpoint = Callable[..., LabSmtpEndpoint]


@pytest.fixture
def start_endpoint() -> Iterator[StartEndpoint]:
    """Start lab endpoints with the given options; every one is stopped after the test."""
    started: list[LabSmtpEndpoint] = []

    def start(**options: object) -> LabSmtpEndpoint:
        endpoint = LabSmtpEndpoint(**options).start()  # type: ignore[arg-type]
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        endpoint.stop()
