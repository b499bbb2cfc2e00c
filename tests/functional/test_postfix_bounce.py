"""Genuine bounces: real Postfix writes an RFC 3464 DSN for an unknown local user, and we parse it."""

from __future__ import annotations

import mailbox
import os
import pwd
import shutil
import smtplib
import subprocess
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mailcanary.bounce import BounceKind, Reason, parse_bounce

if TYPE_CHECKING:
    from tests.functional.conftest import PostfixLab

pytestmark = pytest.mark.postfix

BOUNCE_USER = "mcbounce"
WAIT_SECONDS = 20.0
POLL_SECONDS = 0.2


@pytest.fixture(scope="session")
def bounce_mailbox() -> Path:
    """A local user whose mailbox receives the bounces; created (as root) when missing."""
    try:
        pwd.getpwnam(BOUNCE_USER)
    except KeyError:
        if os.geteuid() != 0 or shutil.which("useradd") is None:
            pytest.skip(f"local user {BOUNCE_USER} is missing and cannot be created here (needs root and useradd)")
        subprocess.run(["useradd", "-m", BOUNCE_USER], check=True, capture_output=True)
    return Path("/var/mail") / BOUNCE_USER


def _find_bounce(mailbox_path: Path, original_id: str) -> bytes | None:
    """The DSN in the mailbox that returns our message (read only: rewriting the mbox as root would take
    the file away from its owner and Postfix could no longer deliver to it)."""
    if not mailbox_path.exists():
        return None
    box = mailbox.mbox(mailbox_path, create=False)
    try:
        for message in box.values():
            data = message.as_bytes()
            if original_id.encode() in data:
                return data
    finally:
        box.close()
    return None


def test_given_unknown_local_user_when_postfix_bounces_then_dsn_parses_to_user_unknown(
    postfix_lab: PostfixLab, bounce_mailbox: Path
) -> None:
    # Given a message from a local user to an unknown local user, sent to the Postfix port that accepts it
    token = uuid.uuid4().hex[:16]
    unknown = f"nobody-{token}@localhost"
    message = EmailMessage()
    message["From"] = f"{BOUNCE_USER}@localhost"
    message["To"] = unknown
    message["Subject"] = f"mailcanary bounce test {token}"
    message["Message-ID"] = f"<canary-{token}@mailcanary.test>"
    message.set_content("canary\n")
    with smtplib.SMTP(postfix_lab.host, postfix_lab.bounce_port, timeout=10) as smtp:
        assert smtp.send_message(message) == {}
    # When Postfix has written its bounce to the sender's mailbox (bounded wait, polling)
    deadline = time.monotonic() + WAIT_SECONDS
    raw = None
    for _ in range(int(WAIT_SECONDS / POLL_SECONDS) + 1):
        raw = _find_bounce(bounce_mailbox, message["Message-ID"])
        if raw is not None or time.monotonic() > deadline:
            break
        time.sleep(POLL_SECONDS)
    assert raw is not None, f"no bounce within {WAIT_SECONDS:.0f}s; see {postfix_lab.log_path}"
    # Then the DSN names the unknown user, 5.1.1, user_unknown, hard, and returns our message id
    report = parse_bounce(raw)
    assert report.kind is BounceKind.BOUNCE
    assert report.dialect == "rfc3464"
    assert report.original_message_id == message["Message-ID"]
    (recipient,) = report.recipients
    assert recipient.address == unknown
    assert (recipient.action, recipient.status) == ("failed", "5.1.1")
    assert recipient.reason is Reason.USER_UNKNOWN
    assert recipient.hard is True
    assert recipient.reporting_mta == "localhost"
