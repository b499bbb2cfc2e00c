"""The lab stack: everything it starts listens on 127.0.0.1 only, and is gone — environment included — after."""

from __future__ import annotations

import json
import os
import socket
from typing import Any
from urllib.parse import urlparse

import pytest

from mailcanary.config.settings import Settings
from mailcanary.lab.catalog import parse_faults
from mailcanary.lab.stack import LabOptions, running_lab


def _unused(event: Any, context: Any) -> None:
    return None


HANDLERS = {"canary": _unused, "ses_events": _unused, "sweeper": _unused, "arrival": _unused}


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_given_the_lab_when_running_then_settings_point_at_it_and_afterwards_nothing_is_left() -> None:
    before = dict(os.environ)
    with running_lab(LabOptions(faults=parse_faults(["api-throttling"])), HANDLERS) as lab:
        # Given the lab is up, the handlers' settings come from the lab environment
        settings = Settings.from_environ()
        assert settings.table_name == lab.aws.resources.table_name
        assert settings.lost_after_seconds == 3
        assert settings.smtp_targets[0].port == lab.endpoint.port
        assert settings.smtp_targets[0].ca_file == lab.endpoint.ca_file
        # and the relay is a second target, a plain MTA whose copies land on the lab's receiving domain
        relay = settings.smtp_targets[1]
        assert (relay.name, relay.port, relay.tls, relay.auth) == ("relay", lab.relay.port, "none", False)
        assert settings.receiver_configured
        assert lab.aws.client("s3").head_bucket(Bucket=lab.aws.resources.inbound_bucket)
        assert os.environ["AWS_ENDPOINT_URL"] == lab.aws.endpoint_url
        assert lab.proxy is not None
        assert os.environ["AWS_ENDPOINT_URL_SES"] == lab.proxy.endpoint_url
        # and the SMTP secret in moto holds the endpoint's credentials
        secret = lab.aws.client("secretsmanager").get_secret_value(SecretId=lab.aws.resources.smtp_secret_arn)
        assert json.loads(secret["SecretString"])["username"] == lab.endpoint.username
        ports = [
            urlparse(lab.aws.endpoint_url).port,
            lab.endpoint.port,
            urlparse(lab.proxy.endpoint_url).port,
            lab.relay.port,
        ]
        assert all(port and _listening(port) for port in ports)
        ca_file = lab.endpoint.ca_file
        # When faults are armed for a round, the proxy refuses sends
        assert lab.arm(1)
        assert lab.proxy.faults
    # Then every port is closed, the CA file removed, the environment exactly as before
    assert not any(port and _listening(port) for port in ports)
    assert ca_file is not None
    assert not os.path.exists(ca_file)
    assert dict(os.environ) == before


def test_given_an_error_inside_the_lab_when_it_propagates_then_everything_is_still_stopped() -> None:
    before = dict(os.environ)
    ports: list[int] = []

    def fail_inside() -> None:
        with running_lab(LabOptions(), HANDLERS) as lab:
            ports.append(lab.endpoint.port)
            assert lab.proxy is None
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    (port,) = ports
    assert not _listening(port)
    assert dict(os.environ) == before


def test_given_a_fault_onset_when_arming_rounds_then_faults_are_active_only_from_that_round() -> None:
    options = LabOptions(faults=parse_faults(["rcpt-refused", "event-lost"]), onset_round=2)
    with running_lab(options, HANDLERS) as lab:
        assert not lab.arm(1)
        assert not lab.endpoint.faults
        assert not lab.event_faults
        assert lab.arm(2)
        assert {str(f) for f in lab.endpoint.faults} == {"rcpt-refused"}
        assert {str(f) for f in lab.event_faults} == {"event-lost"}


def test_given_an_api_fault_when_the_sdk_sends_through_the_lab_environment_then_only_ses_meets_the_proxy() -> None:
    from botocore.exceptions import ClientError

    from mailcanary.config import clients as aws_clients

    with running_lab(LabOptions(faults=parse_faults(["api-message-rejected"])), HANDLERS) as lab:
        lab.arm(1)
        # When the cached clients the handlers use send (they read the endpoints from the environment)
        with pytest.raises(ClientError) as raised:
            aws_clients.client("ses", "us-east-1").send_raw_email(
                Source=lab.aws.resources.sender, RawMessage={"Data": b"To: a@x.test\r\n\r\nx\r\n"}
            )
        # Then SES answered through the proxy, while DynamoDB still talks to moto directly
        assert raised.value.response["Error"]["Code"] == "MessageRejected"
        assert lab.proxy is not None
        assert lab.proxy.refused == 1
        assert lab.aws.resources.table_name in aws_clients.client("dynamodb", "us-east-1").list_tables()["TableNames"]
