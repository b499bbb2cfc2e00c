"""The scheduled IMAP poll: the secret read on moto, the lab mailbox read over IMAPS, the copies handed on before
they are deleted (and kept when handing on fails), and the handler as Lambda invokes it."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from imap_lab import DovecotLab, poll_until
from moto import mock_aws

from mailcanary.arrival.imap import AfterRead, ImapReceiver
from mailcanary.arrival.model import ArrivedMessage
from mailcanary.config import clients as aws_clients
from mailcanary.config.runtime import Runtime
from mailcanary.config.settings import Settings
from mailcanary.services import imap_poll
from mailcanary.services.imap_poll import poll_mailbox

pytestmark = pytest.mark.postfix
ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"


def _round_handlers() -> ModuleType:
    """tests/functional/round/handlers.py (loading handlers as Lambda does, and the IAM check of each call)."""
    if "handlers" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "handlers", ROOT / "tests" / "functional" / "round" / "handlers.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["handlers"] = module
        spec.loader.exec_module(module)
    return sys.modules["handlers"]


@pytest.fixture
def imap_env(dovecot_lab: DovecotLab, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The poll function's environment on moto: the IMAP secret stored, the lab CA trusted as the system's."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", dovecot_lab.ca_file)  # OpenSSL's default trust store, as read by `ssl`
    with mock_aws():
        secret = json.dumps({"username": "canary", "password": dovecot_lab.passwords["canary"]})
        arn = boto3.client("secretsmanager", region_name=REGION).create_secret(Name="imap", SecretString=secret)["ARN"]
        variables = {
            "MAILCANARY_IMAP_HOST": "localhost",
            "MAILCANARY_IMAP_PORT": str(dovecot_lab.imaps_port),
            "MAILCANARY_IMAP_TLS": "implicit",
            "MAILCANARY_IMAP_SECRET_ARN": arn,
            "MAILCANARY_IMAP_MAX_MESSAGES": "1000",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        aws_clients.clear()
        yield variables
        aws_clients.clear()


def _runtime() -> Runtime:
    return Runtime(Settings.from_environ())


def _delivered(lab: DovecotLab) -> str:
    canary_id = lab.send([lab.address("canary")])
    poll_until(ImapReceiver(lab.mailbox(after_read=AfterRead.KEEP)), canary_id, 1)
    return canary_id


def _ids(copies: Sequence[ArrivedMessage]) -> set[str]:
    return {copy.raw.split(b"X-Mailcanary-Id: ", 1)[1].split(b"\r\n", 1)[0].decode() for copy in copies}


def test_given_a_canary_waiting_when_polled_then_it_is_handed_on_then_deleted(
    dovecot_lab: DovecotLab, imap_env: dict[str, str]
) -> None:
    # Given a canary delivered to the mailbox
    canary_id = _delivered(dovecot_lab)
    recorded: list[ArrivedMessage] = []
    # When the scheduled poll runs
    report = poll_mailbox(_runtime(), record=recorded.extend)
    # Then the copy was handed on, and deleted after that
    assert canary_id in _ids(recorded)
    assert report.read == len(recorded) == report.disposed
    assert (
        len(
            ImapReceiver(dovecot_lab.mailbox(after_read=AfterRead.KEEP)).fetch(
                [canary_id], deadline=time.monotonic() + 10
            )
        )
        == 0
    )


def test_given_handing_on_fails_when_polled_then_the_copy_stays_for_the_next_poll(
    dovecot_lab: DovecotLab, imap_env: dict[str, str]
) -> None:
    # Given a canary in the mailbox, and a decision that fails (its table unavailable, say)
    canary_id = _delivered(dovecot_lab)

    def failing(copies: Sequence[ArrivedMessage]) -> None:
        raise RuntimeError("table unavailable")

    # When the poll runs; Then the failure propagates (Lambda reports it) and the copy is still in the mailbox
    with pytest.raises(RuntimeError, match="table unavailable"):
        poll_mailbox(_runtime(), record=failing)
    recorded: list[ArrivedMessage] = []
    poll_mailbox(_runtime(), record=recorded.extend)
    assert canary_id in _ids(recorded)


def test_given_the_handler_when_invoked_on_schedule_then_it_polls_within_its_policy(
    dovecot_lab: DovecotLab, imap_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a canary in the mailbox; the decision's wiring replaced by a recorder (the service's one seam)
    canary_id = _delivered(dovecot_lab)
    recorded: list[ArrivedMessage] = []
    monkeypatch.setattr(imap_poll, "_arrival_decision", lambda runtime: recorded.extend)
    handlers = _round_handlers()
    handler = handlers.load_handler("imap_poll")
    # When Lambda invokes it with the scheduled event (every AWS call checked against its template policy)
    summary: dict[str, Any] = handlers.invoke(handler, handlers.event("imap_poll/scheduled.json"))
    # Then it read the copy, handed it on and deleted it, and says so
    assert canary_id in _ids(recorded)
    assert summary["read"] == summary["disposed"] == len(recorded)
    assert summary["more_waiting"] is False
