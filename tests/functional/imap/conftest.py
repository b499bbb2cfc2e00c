"""The real mailbox: Dovecot IMAP on 127.0.0.1 (scripts/dovecot-lab.sh), fed by the lab Postfix through Maildir."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from imap_lab import DovecotLab

ROOT = Path(__file__).resolve().parents[3]
DOVECOT_LAB = ROOT / "scripts" / "dovecot-lab.sh"
STATE = Path("/var/lib/mailcanary-imap")


def _read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {key: value for key, value in pairs}


@pytest.fixture(scope="session")
def dovecot_lab(postfix_lab: Any) -> Iterator[DovecotLab]:
    """Dovecot on 127.0.0.1 with the lab's users, started if needed; stopped afterwards if this fixture started it."""
    if shutil.which("dovecot") is None:
        installed = subprocess.run(
            ["bash", str(DOVECOT_LAB), "install"], capture_output=True, text=True, check=False, timeout=600
        )
        if installed.returncode != 0:
            pytest.skip(f"dovecot-imapd could not be installed here: {installed.stderr.strip()[-200:]}")
    was_running = (
        subprocess.run(["bash", str(DOVECOT_LAB), "status"], capture_output=True, check=False, timeout=30).returncode
        == 0
    )
    started = subprocess.run(
        ["bash", str(DOVECOT_LAB), "start"], capture_output=True, text=True, check=False, timeout=60
    )
    if started.returncode != 0:
        pytest.skip(f"Dovecot could not be started here: {started.stderr.strip()[-200:]}")
    env = _read_env(STATE / "lab.env")
    yield DovecotLab(
        host=env["MAILCANARY_IMAP_HOST"],
        imaps_port=int(env["MAILCANARY_IMAPS_PORT"]),
        starttls_port=int(env["MAILCANARY_IMAP_STARTTLS_PORT"]),
        ca_file=env["MAILCANARY_IMAP_CA_FILE"],
        other_ca_file=env["MAILCANARY_IMAP_OTHER_CA_FILE"],
        domain=env["MAILCANARY_IMAP_DOMAIN"],
        passwords={"canary": env["MAILCANARY_IMAP_CANARY_PASSWORD"], "spam": env["MAILCANARY_IMAP_SPAM_PASSWORD"]},
        smtp=postfix_lab,
    )
    if not was_running:
        subprocess.run(["bash", str(DOVECOT_LAB), "stop"], capture_output=True, check=False, timeout=60)
