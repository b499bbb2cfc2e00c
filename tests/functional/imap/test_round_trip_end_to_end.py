"""`mailcanary round-trip` end to end on loopback: a canary through the lab Postfix, awaited over IMAPS in the lab
Dovecot; each failed stage's exit code, the progress line, JSON, and the passwords in no output."""

from __future__ import annotations

import json
from typing import Any

import pytest
from imap_lab import DovecotLab, poll_until

from mailcanary.arrival.imap import ImapReceiver
from mailcanary.cli import main

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("no_lambda_log_handler")]
PASSWORD_VARIABLE = "MC_ROUND_TRIP_IMAP_PW"


def _argv(lab: DovecotLab, to: str, *extra: str, ca_file: str | None = None) -> list[str]:
    return [
        "round-trip",
        "--from", "sender@localhost",
        "--to", to,
        "--smtp-server", f"{lab.smtp.host}:{lab.smtp.port}",
        "--smtp-tls", "none",
        "--imap-server", f"{lab.host}:{lab.imaps_port}",
        "--imap-user", "canary",
        "--imap-password-env", PASSWORD_VARIABLE,
        "--imap-ca-file", ca_file or lab.ca_file,
        "--poll-interval", "0.5",
        *extra,
    ]  # fmt: skip


def _run(
    argv: list[str], password: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setenv(PASSWORD_VARIABLE, password)
    code = main(argv)
    out, err = capsys.readouterr()
    assert password not in out + err
    assert password.lower() not in (out + err).lower()
    return code, out, err


def _judge_available() -> None:
    pytest.importorskip("mailcanary.arrival.checks", reason="the delivery checks (mailcanary.arrival.checks)")


def test_given_a_wrong_mailbox_password_when_run_then_exit_5_and_the_password_shows_nowhere(
    dovecot_lab: DovecotLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a canary sent to the lab mailbox, and a wrong IMAP password
    argv = _argv(dovecot_lab, dovecot_lab.address("canary+wrongpw"), "--timeout", "10", "--json")
    # When run
    code, out, _ = _run(argv, "Wrong-Imap-Pw-77", monkeypatch, capsys)
    # Then the login stage failed (exit 5), in valid JSON, after the send went through
    document = json.loads(out)
    assert (code, document["exit_code"], document["path"]) == (5, 5, "smtp")
    assert "login refused" in document["error"]
    # And the copy is still in the mailbox: read it with the right password so the mailbox stays clean
    assert len(poll_until(ImapReceiver(dovecot_lab.mailbox()), document["canary_id"], 1)) == 1


def test_given_an_untrusted_mailbox_certificate_when_run_then_exit_4(
    dovecot_lab: DovecotLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _argv(dovecot_lab, dovecot_lab.address("canary+badca"), "--timeout", "10", ca_file=dovecot_lab.other_ca_file)
    code, out, _ = _run(argv, dovecot_lab.passwords["canary"], monkeypatch, capsys)
    assert code == 4
    assert "certificate verify failed" in out
    canary_id = out.split("=== canary ", 1)[1].split(" ", 1)[0]
    assert len(poll_until(ImapReceiver(dovecot_lab.mailbox()), canary_id, 1)) == 1  # tidy up


def test_given_a_recipient_the_server_refuses_when_run_then_exit_3_and_no_wait(
    dovecot_lab: DovecotLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a recipient Postfix refuses at RCPT (unknown local user)
    argv = _argv(dovecot_lab, "no-such-user-mc@localhost", "--timeout", "10")
    # When run; Then the send stage failed (exit 3) and nothing was awaited
    code, out, err = _run(argv, dovecot_lab.passwords["canary"], monkeypatch, capsys)
    assert code == 3
    assert "send failed" in out
    assert "waiting for canary" not in err


def test_given_a_canary_delivered_to_the_inbox_when_run_then_it_arrives_and_the_checks_are_shown(
    dovecot_lab: DovecotLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _judge_available()
    # Given a canary to the lab inbox
    argv = _argv(dovecot_lab, dovecot_lab.address("canary+rt"), "--timeout", "30", "--json")
    # When run
    code, out, err = _run(argv, dovecot_lab.passwords["canary"], monkeypatch, capsys)
    document: dict[str, Any] = json.loads(out)
    checks = {check["check"]: check["passed"] for check in document["checks"]}
    # Then it arrived in the inbox, with a progress line while waiting, and the arrival checks passed
    assert [copy["placement"] for copy in document["copies"]] == ["inbox"]
    assert "waiting for canary" in err
    assert checks["delivery.arrived"] is True
    assert checks.get("delivery.placement", True) is True
    assert checks["delivery.headers"] is True
    assert checks["delivery.envelope"] is True
    # And the exit code is 0 exactly when every check passed (the lab relay does not sign: authentication may fail)
    assert code == (0 if all(checks.values()) else 1)


def test_given_a_canary_filed_as_spam_when_run_then_placement_fails_with_exit_1(
    dovecot_lab: DovecotLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _judge_available()
    argv = _argv(dovecot_lab, dovecot_lab.address("canary-junk"), "--timeout", "30", "--json")
    code, out, _ = _run(argv, dovecot_lab.passwords["canary"], monkeypatch, capsys)
    document = json.loads(out)
    checks = {check["check"]: check["passed"] for check in document["checks"]}
    assert [copy["placement"] for copy in document["copies"]] == ["spam"]
    assert checks["delivery.placement"] is False
    assert code == 1


def test_given_a_canary_that_never_reaches_the_mailbox_when_run_then_exit_6_within_the_timeout(
    dovecot_lab: DovecotLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _judge_available()
    # Given a recipient Postfix accepts but delivers elsewhere (a local user, not the IMAP mailbox)
    argv = _argv(dovecot_lab, "root@localhost", "--timeout", "2")
    # When run with a two-second timeout; Then not arrived (exit 6), and the wait said so while it lasted
    code, out, err = _run(argv, dovecot_lab.passwords["canary"], monkeypatch, capsys)
    assert code == 6
    assert "0 of 1 copies arrived" in out
    assert "waiting for canary" in err
