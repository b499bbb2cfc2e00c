"""`mailcanary ses-send` against moto: one canary through the API path, printed as text or JSON."""

from __future__ import annotations

import json

import pytest
from sesmoto import SENDER, MotoSes

from mailcanary.cli import main


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_given_verified_sender_when_ses_send_then_sent_consistent_exit_0(
    moto_ses: MotoSes, api: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ses-send", "--from", SENDER, "--bcc", "audit@example.com", "--api", api, "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["message_id"]
    assert document["findings"] == []
    assert document["destinations"] == [
        f"success+{document['canary_id']}@simulator.amazonses.com",
        "audit@example.com",
    ]
    assert len(moto_ses.sent()) == 1


def test_given_unverified_sender_when_ses_send_then_classified_error_exit_1(
    moto_ses: MotoSes, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ses-send", "--from", "stranger@example.org", "--to", "a@example.com"])
    out = capsys.readouterr().out
    assert code == 1
    assert "not sent" in out
    assert "MessageRejected" in out
    assert moto_ses.sent() == []


def test_given_injected_recipient_when_ses_send_then_exit_2(
    moto_ses: MotoSes, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ses-send", "--from", SENDER, "--to", "a@example.com\r\nBcc: x@evil.test"])
    assert code == 2
    assert "header injection" in capsys.readouterr().err
    assert moto_ses.sent() == []
