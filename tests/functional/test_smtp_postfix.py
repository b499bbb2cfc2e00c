"""The SMTP session against a real Postfix on 127.0.0.1 (scripts/postfix-lab.sh; no TLS there)."""

from __future__ import annotations

from typing import Any

import pytest

from mailcanary.cli import main
from mailcanary.smtp import Direction, ExitCode, ReplyClass, SmtpTarget, Stage, TlsMode, classify, send_canary
from mailcanary.smtp.probe_message import build_probe_message

pytestmark = pytest.mark.postfix

SENDER = "canary@localhost"


def _target(lab: Any, tls: TlsMode = TlsMode.NONE) -> SmtpTarget:
    return SmtpTarget(lab.host, lab.port, tls=tls)


def test_given_postfix_when_canary_sent_to_local_user_then_it_passes_with_transcript(postfix_lab: Any) -> None:
    # Given Postfix and a canary to a local user; When sent in plain text
    message = build_probe_message(SENDER, ["root@localhost"])
    result = send_canary(_target(postfix_lab), SENDER, message.envelope_recipients, message.content)
    # Then it is queued, every command and reply is in the transcript, and no SES id is invented
    assert result.exit_code is ExitCode.OK
    assert result.stage is Stage.QUIT
    assert result.final_reply is not None
    assert result.final_reply.code == 250
    assert "queued as" in result.final_reply.text
    assert result.message_id is None
    transcript = [line.text for line in result.transcript]
    assert transcript[0].startswith("220 ")
    assert [
        t.split()[0] for t in transcript if t.split() and t.split()[0] in {"EHLO", "MAIL", "RCPT", "DATA", "QUIT"}
    ] == [
        "EHLO",
        "MAIL",
        "RCPT",
        "DATA",
        "QUIT",
    ]
    assert transcript[-1].startswith("221 ")


def test_given_postfix_without_starttls_when_opportunistic_then_clear_text_canary_passes(postfix_lab: Any) -> None:
    message = build_probe_message(SENDER, ["postmaster@localhost"])
    result = send_canary(_target(postfix_lab, TlsMode.OPPORTUNISTIC), SENDER, ["postmaster@localhost"], message.content)
    assert result.exit_code is ExitCode.OK
    assert not result.tls


def test_given_postfix_without_starttls_when_tls_required_then_exit_29(postfix_lab: Any) -> None:
    message = build_probe_message(SENDER, ["postmaster@localhost"])
    result = send_canary(_target(postfix_lab, TlsMode.REQUIRED), SENDER, ["postmaster@localhost"], message.content)
    assert result.exit_code is ExitCode.TLS
    assert "MAIL" not in " ".join(line.text for line in result.transcript if line.direction is Direction.CLIENT)


def test_given_postfix_when_conformance_probed_then_its_own_replies_are_sequence_errors(postfix_lab: Any) -> None:
    # Given Postfix; When the out-of-order probe runs before the canary
    message = build_probe_message(SENDER, ["root@localhost"])
    result = send_canary(_target(postfix_lab), SENDER, ["root@localhost"], message.content, conformance=True)
    # Then each of Postfix's refusals is classified as a sequence error, and the canary still passes
    assert result.exit_code is ExitCode.OK
    assert result.conformance is not None
    assert result.conformance.passed
    replies = {probe.name: probe.reply for probe in result.conformance.probes}
    assert all(reply is not None for reply in replies.values())
    assert replies["data-before-mail"].code == 503
    assert replies["rcpt-before-mail"].code == 503
    assert replies["data-before-rcpt"].code == 554
    assert replies["data-before-rcpt"].enhanced_status == "5.5.1"
    assert all(probe.reply_class is ReplyClass.SEQUENCE for probe in result.conformance.probes)


def test_given_postfix_when_unknown_user_then_550_511_classified_recipient(postfix_lab: Any) -> None:
    message = build_probe_message(SENDER, ["no-such-user-mailcanary@localhost"])
    result = send_canary(_target(postfix_lab), SENDER, message.envelope_recipients, message.content)
    assert result.exit_code is ExitCode.NO_RECIPIENT
    assert result.stage is Stage.RCPT
    (outcome,) = result.recipients
    assert outcome.reply.code == 550
    assert outcome.reply.enhanced_status == "5.1.1"
    assert classify(outcome.reply, "RCPT") is ReplyClass.RECIPIENT


def test_given_postfix_when_smtp_probe_conformance_run_then_rules_named_in_output(
    postfix_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    server = f"{postfix_lab.host}:{postfix_lab.port}"
    code = main(
        ["smtp-probe", "--server", server, "--tls", "none", "--from", SENDER, "--to", "root@localhost", "--conformance"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "data-before-rcpt: DATA -> 554 5.5.1 Error: no valid recipients" in out
    assert "rule: DATA only after at least one accepted RCPT" in out
    assert out.count("ok: refused as a sequence error") == 3
