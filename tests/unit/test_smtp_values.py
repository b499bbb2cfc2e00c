"""Secrets, targets, the probe message and the transcript recorder: pure values, no network."""

from __future__ import annotations

import json
import logging
from email import message_from_bytes

import pytest

from mailcanary.config.settings import secret_from_environ
from mailcanary.core.errors import ConfigError
from mailcanary.core.redaction import SecretForms
from mailcanary.core.secret import Secret
from mailcanary.smtp import Direction, SmtpTarget, Timeouts, TlsMode
from mailcanary.smtp.client import Recorder
from mailcanary.smtp.errors import SmtpPathError
from mailcanary.smtp.probe_message import build_probe_message


def test_given_secret_when_printed_formatted_or_dumped_then_value_hidden() -> None:
    secret = Secret("hunter2-value")
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        str.format("{}", secret),
        json.dumps({"p": str(secret)}),
    ]
    assert all("hunter2-value" not in text for text in shown)
    assert secret.reveal() == "hunter2-value"


def test_given_secret_when_pickled_then_refused() -> None:
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(Secret("x"))


def test_given_target_with_password_when_repr_or_dict_then_password_absent() -> None:
    target = SmtpTarget("smtp.example.com", 587, username="AKIAEXAMPLE", password=Secret("s3cr3t-pw"))
    assert "s3cr3t-pw" not in repr(target)
    assert "s3cr3t-pw" not in json.dumps(target.to_dict())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"host": "", "port": 25},
        {"host": "a b", "port": 25},
        {"host": "h", "port": 0},
        {"host": "h", "port": 70000},
        {"host": "h", "port": 25, "username": "u"},
        {"host": "h", "port": 25, "helo_name": "bad name"},
    ],
)
def test_given_bad_target_when_built_then_smtp_path_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(SmtpPathError):
        SmtpTarget(**kwargs)  # type: ignore[arg-type]


def test_given_non_positive_timeout_when_built_then_error() -> None:
    with pytest.raises(SmtpPathError):
        Timeouts(banner=0)


def test_given_insecure_flag_when_context_built_then_verification_off_else_on() -> None:
    import ssl

    assert SmtpTarget("h", 25).ssl_context().verify_mode is ssl.CERT_REQUIRED
    assert SmtpTarget("h", 25).ssl_context().check_hostname
    insecure = SmtpTarget("h", 25, tls=TlsMode.REQUIRED, insecure_skip_tls_verify=True).ssl_context()
    assert insecure.verify_mode is ssl.CERT_NONE


def test_given_env_var_when_secret_read_then_wrapped_and_missing_is_config_error() -> None:
    assert secret_from_environ("PW", {"PW": "value"}).reveal() == "value"
    with pytest.raises(ConfigError, match="PW"):
        secret_from_environ("PW", {})
    with pytest.raises(ConfigError):
        secret_from_environ("PW", {"PW": ""})


def test_given_to_cc_bcc_when_message_built_then_bcc_only_on_envelope() -> None:
    message = build_probe_message("a@example.com", ["to@example.com"], ["cc@example.com"], ["bcc@example.com"])
    parsed = message_from_bytes(message.content)
    assert parsed["To"] == "to@example.com"
    assert parsed["Cc"] == "cc@example.com"
    assert parsed["Bcc"] is None
    assert b"bcc@example.com" not in message.content
    assert message.envelope_recipients == ("to@example.com", "cc@example.com", "bcc@example.com")
    assert parsed["Message-ID"].strip() == message.message_id
    assert b"\r\n" in message.content
    assert b"\n" not in message.content.replace(b"\r\n", b"")


def test_given_secret_in_line_when_recorded_then_scrubbed_before_logging(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(SecretForms.of(None, ("pa55word",)))
    recorder.record(Direction.SERVER, "535 wrong password pa55word for you", tls=True)
    recorder.record(Direction.CLIENT, "cGE1NXdvcmQ=", tls=True)  # base64 of the password
    text = recorder.transcript().render()
    assert "pa55word" not in text
    assert "cGE1NXdvcmQ=" not in text
    assert "pa55word" not in caplog.text
    assert text.splitlines()[0] == "<~ 535 wrong password <redacted> for you"
