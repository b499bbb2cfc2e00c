"""The real smtplib-based session against the lab SMTP endpoint on 127.0.0.1: well-behaved and every fault."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import replace
from email import message_from_bytes

import pytest

from mailcanary.lab.faults import SmtpFault
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint, LabTls
from mailcanary.smtp import (
    Direction,
    ExitCode,
    ReplyClass,
    SmtpResult,
    SmtpTarget,
    Stage,
    Timeouts,
    TlsMode,
    classify,
    send_canary,
)
from mailcanary.smtp.probe_message import build_probe_message

SENDER = "canary@example.com"
TO, CC, BCC = "to@example.com", "cc@example.com", "bcc@example.com"
MESSAGE = build_probe_message(SENDER, [TO], [CC], [BCC])

StartEndpoint = Callable[..., LabSmtpEndpoint]


def send(target: SmtpTarget, *, conformance: bool = False) -> SmtpResult:
    return send_canary(target, SENDER, MESSAGE.envelope_recipients, MESSAGE.content, conformance=conformance)


def texts(result: SmtpResult, direction: Direction | None = None) -> list[str]:
    return [line.text for line in result.transcript if direction is None or line.direction is direction]


# -- well-behaved ---------------------------------------------------------------------------------------


def test_given_well_behaved_endpoint_when_canary_sent_then_it_passes_over_tls_with_auth(
    start_endpoint: StartEndpoint,
) -> None:
    # Given the SES-like endpoint (STARTTLS, AUTH after TLS) and a target trusting its CA
    endpoint = start_endpoint()
    # When the canary is sent
    result = send(endpoint.target())
    # Then every stage ran, TLS and AUTH held, and the SES-style id matches what the endpoint delivered
    assert result.exit_code is ExitCode.OK
    assert result.stage is Stage.QUIT
    assert result.tls
    assert result.authenticated
    assert [stage for stage, _ in result.durations] == list(Stage)
    assert result.accepted_recipients == (TO, CC, BCC)
    (delivered,) = endpoint.delivered
    assert result.message_id == delivered.message_id
    assert delivered.rcpt_tos == (TO, CC, BCC)
    assert delivered.tls
    assert result.final_reply is not None
    assert classify(result.final_reply, "DATA") is ReplyClass.SUCCESS
    # Then EHLO was issued again inside TLS, AUTH only inside TLS, and the message was recorded as sent
    tls_commands = [line.text for line in result.transcript if line.direction is Direction.CLIENT and line.tls]
    assert tls_commands[0].startswith("EHLO ")
    assert "AUTH PLAIN <redacted>" in tls_commands
    assert not any(line.text.startswith("AUTH") for line in result.transcript if not line.tls)
    assert f"Cc: {CC}" in texts(result, Direction.CLIENT)
    assert not any(BCC in text for text in texts(result, Direction.CLIENT) if not text.startswith("RCPT"))


def test_given_endpoint_offering_only_login_when_canary_sent_then_auth_login_succeeds(
    start_endpoint: StartEndpoint,
) -> None:
    endpoint = start_endpoint(auth_mechanisms=["LOGIN"])
    result = send(endpoint.target())
    assert result.exit_code is ExitCode.OK
    assert result.authenticated
    client_lines = texts(result, Direction.CLIENT)
    assert "AUTH LOGIN <redacted>" in client_lines
    assert client_lines.count("<redacted>") == 1  # the password line answering the 334 challenge


def test_given_implicit_tls_endpoint_when_wrapper_mode_then_tls_from_first_byte(start_endpoint: StartEndpoint) -> None:
    endpoint = start_endpoint(tls=LabTls.IMPLICIT)
    result = send(endpoint.target())
    assert result.exit_code is ExitCode.OK
    assert all(line.tls for line in result.transcript)
    assert endpoint.delivered[0].tls


def test_given_well_behaved_endpoint_when_conformance_probed_then_every_probe_is_a_sequence_refusal(
    start_endpoint: StartEndpoint,
) -> None:
    endpoint = start_endpoint()
    result = send(endpoint.target(), conformance=True)
    assert result.exit_code is ExitCode.OK
    assert result.conformance is not None
    assert result.conformance.passed
    assert [probe.name for probe in result.conformance.probes] == [
        "data-before-mail",
        "rcpt-before-mail",
        "data-before-rcpt",
    ]
    assert all(probe.reply is not None and probe.reply.code == 503 for probe in result.conformance.probes)
    assert len(endpoint.delivered) == 1  # only the real canary


def test_given_non_ascii_recipient_when_server_advertises_smtputf8_then_mail_uses_it(
    start_endpoint: StartEndpoint,
) -> None:
    endpoint = start_endpoint()
    result = send_canary(endpoint.target(), SENDER, ["jörg@example.com"], MESSAGE.content)
    assert result.exit_code is ExitCode.OK
    assert f"MAIL FROM:<{SENDER}> SMTPUTF8" in texts(result, Direction.CLIENT)
    assert endpoint.delivered[0].rcpt_tos == ("jörg@example.com",)


# -- TLS and AUTH policy --------------------------------------------------------------------------------


def test_given_certificate_for_wrong_host_when_verified_then_tls_fails_with_29(start_endpoint: StartEndpoint) -> None:
    endpoint = start_endpoint(faults={SmtpFault.BAD_CERTIFICATE})
    result = send(endpoint.target())
    assert result.exit_code is ExitCode.TLS
    assert result.stage is Stage.STARTTLS
    assert "certificate" in (result.error or "").lower()
    assert not endpoint.delivered


def test_given_certificate_for_wrong_host_when_insecure_flag_set_then_canary_passes(
    start_endpoint: StartEndpoint,
) -> None:
    endpoint = start_endpoint(faults={SmtpFault.BAD_CERTIFICATE})
    result = send(endpoint.target(insecure_skip_tls_verify=True))
    assert result.exit_code is ExitCode.OK
    assert result.tls


def test_given_untrusted_ca_when_no_ca_file_then_tls_fails_with_29(start_endpoint: StartEndpoint) -> None:
    # Given a correct certificate from a CA the system does not trust; When verified by default; Then refused
    endpoint = start_endpoint()
    result = send(endpoint.target(ca_file=None))
    assert result.exit_code is ExitCode.TLS


def test_given_bad_certificate_in_wrapper_mode_when_connecting_then_tls_fails_with_29(
    start_endpoint: StartEndpoint,
) -> None:
    endpoint = start_endpoint(tls=LabTls.IMPLICIT, faults={SmtpFault.BAD_CERTIFICATE})
    result = send(endpoint.target())
    assert result.exit_code is ExitCode.TLS
    assert result.stage is Stage.CONNECT


def test_given_plain_endpoint_when_auth_without_tls_not_allowed_then_no_credentials_are_sent(
    start_endpoint: StartEndpoint,
) -> None:
    endpoint = start_endpoint(tls=LabTls.NONE)
    result = send(endpoint.target(allow_auth_without_tls=False))
    assert result.exit_code is ExitCode.AUTH
    assert result.stage is Stage.AUTH
    assert not any(text.startswith("AUTH") for text in texts(result, Direction.CLIENT))


def test_given_plain_endpoint_when_auth_without_tls_allowed_then_canary_passes(start_endpoint: StartEndpoint) -> None:
    endpoint = start_endpoint(tls=LabTls.NONE)
    result = send(endpoint.target(allow_auth_without_tls=True))
    assert result.exit_code is ExitCode.OK
    assert not result.tls
    assert result.authenticated


def test_given_starttls_refused_when_opportunistic_then_session_continues_in_clear_and_refuses_auth(
    start_endpoint: StartEndpoint,
) -> None:
    endpoint = start_endpoint(faults={SmtpFault.STARTTLS_REFUSED})
    result = send(endpoint.target(tls=TlsMode.OPPORTUNISTIC))
    assert result.stage is Stage.AUTH
    assert result.exit_code is ExitCode.AUTH
    assert not result.tls


def test_given_wrong_password_when_authenticating_then_28(start_endpoint: StartEndpoint) -> None:
    from mailcanary.core.secret import Secret

    endpoint = start_endpoint()
    result = send(endpoint.target(password=Secret("not-the-password")))
    assert result.exit_code is ExitCode.AUTH


# -- faults, each hitting one stage ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "stage", "exit_code", "code", "reply_class"),
    [
        (SmtpFault.STARTTLS_REFUSED, Stage.STARTTLS, ExitCode.TLS, 454, ReplyClass.TRANSIENT),
        (SmtpFault.AUTH_FAIL_535, Stage.AUTH, ExitCode.AUTH, 535, ReplyClass.AUTH),
        (SmtpFault.DATA_BEFORE_RCPT, Stage.DATA, ExitCode.DATA, 503, ReplyClass.SEQUENCE),
        (SmtpFault.RCPT_REFUSED, Stage.RCPT, ExitCode.NO_RECIPIENT, 550, ReplyClass.RECIPIENT),
        (SmtpFault.GREYLIST_451, Stage.RCPT, ExitCode.NO_RECIPIENT, 451, ReplyClass.TRANSIENT),
        (SmtpFault.SERVICE_CLOSING_MID_SESSION, Stage.MAIL, ExitCode.MAIL, 421, ReplyClass.TRANSIENT),
        (SmtpFault.THROTTLE_454, Stage.MAIL, ExitCode.MAIL, 454, ReplyClass.TRANSIENT),
        (SmtpFault.REJECT_AFTER_DATA_554, Stage.DOT, ExitCode.MESSAGE_REFUSED, 554, ReplyClass.POLICY_CONTENT),
    ],
)
def test_given_fault_when_canary_sent_then_stage_exit_code_and_reply_class_match(
    start_endpoint: StartEndpoint,
    fault: SmtpFault,
    stage: Stage,
    exit_code: ExitCode,
    code: int,
    reply_class: ReplyClass,
) -> None:
    # Given an endpoint with one fault; When the canary is sent
    endpoint = start_endpoint(faults={fault})
    result = send(endpoint.target())
    # Then it stops at the stage the fault hits, with swaks's exit code and the reply classified
    assert result.stage is stage
    assert result.exit_code is exit_code
    assert result.failure_reply is not None
    assert result.failure_reply.code == code
    command = "DATA" if stage is Stage.DOT else stage.value.upper()
    assert classify(result.failure_reply, command) is reply_class
    assert result.message_id is None
    assert not endpoint.delivered


def test_given_refused_recipients_when_canary_sent_then_each_outcome_recorded_and_no_data_sent(
    start_endpoint: StartEndpoint,
) -> None:
    endpoint = start_endpoint(faults={SmtpFault.RCPT_REFUSED})
    result = send(endpoint.target())
    assert [outcome.address for outcome in result.recipients] == [TO, CC, BCC]
    assert all(outcome.reply.enhanced_status == "5.1.1" for outcome in result.recipients)
    assert all(outcome.reply_class is ReplyClass.RECIPIENT for outcome in result.recipients)
    assert "DATA" not in texts(result, Direction.CLIENT)
    assert texts(result, Direction.CLIENT)[-1] == "QUIT"


def test_given_connection_dropped_during_data_when_sent_then_exit_6_at_dot(start_endpoint: StartEndpoint) -> None:
    endpoint = start_endpoint(faults={SmtpFault.DROP_DURING_DATA})
    result = send(endpoint.target())
    assert result.exit_code is ExitCode.CONNECTION_CLOSED
    assert result.stage is Stage.DOT
    assert result.final_reply is None


def test_given_stalled_banner_when_banner_timeout_short_then_exit_21(start_endpoint: StartEndpoint) -> None:
    endpoint = start_endpoint(faults={SmtpFault.SLOW_BANNER}, banner_delay=30.0)
    target = endpoint.target(timeouts=Timeouts(connect=5, banner=0.5, command=5, data_end=5))
    result = send(target)
    assert result.exit_code is ExitCode.BANNER
    assert result.stage is Stage.BANNER
    assert "timed out" in (result.error or "")
    assert len(result.transcript) == 0


def test_given_nothing_listening_when_connecting_then_exit_2() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = send(SmtpTarget("127.0.0.1", port, tls=TlsMode.NONE))
    assert result.exit_code is ExitCode.CONNECT
    assert result.stage is Stage.CONNECT


def test_given_recipients_silently_dropped_when_sent_then_protocol_accepts_but_delivery_lacks_them(
    start_endpoint: StartEndpoint,
) -> None:
    endpoint = start_endpoint(faults={SmtpFault.RCPT_SILENTLY_DROPPED, SmtpFault.STRIP_CC_HEADER})
    result = send(endpoint.target())
    assert result.exit_code is ExitCode.OK
    assert result.accepted_recipients == (TO, CC, BCC)
    (delivered,) = endpoint.delivered
    assert delivered.rcpt_tos == (TO,)
    assert message_from_bytes(delivered.content)["Cc"] is None
    assert message_from_bytes(MESSAGE.content)["Cc"] == CC


def test_given_server_accepting_data_without_rcpt_when_conformance_probed_then_violations_flagged_and_canary_goes_on(
    start_endpoint: StartEndpoint,
) -> None:
    # Given a broken server that answers 354 to DATA with no recipient
    endpoint = start_endpoint(faults={SmtpFault.ACCEPT_DATA_WITHOUT_RCPT})
    # When the conformance probe runs before the canary
    result = send(endpoint.target(), conformance=True)
    # Then both DATA probes are violations, each ended with a lone dot, and the real canary still went through
    assert result.conformance is not None
    assert not result.conformance.passed
    assert [probe.name for probe in result.conformance.violations] == ["data-before-mail", "data-before-rcpt"]
    assert all("ended the empty message" in probe.note for probe in result.conformance.violations)
    assert result.exit_code is ExitCode.OK
    probe_copies = [each for each in endpoint.delivered if not each.rcpt_tos]
    assert len(probe_copies) == 2
    assert all(each.content == b"" for each in probe_copies)
    assert [each.rcpt_tos for each in endpoint.delivered if each.rcpt_tos] == [(TO, CC, BCC)]


def test_given_target_when_repr_then_password_hidden(start_endpoint: StartEndpoint) -> None:
    endpoint = start_endpoint()
    target = endpoint.target()
    assert endpoint.password.reveal() not in repr(target)
    assert endpoint.password.reveal() not in repr(replace(target, username="someone"))
