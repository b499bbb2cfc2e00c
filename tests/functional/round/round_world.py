"""What the round and handler tests add to the shared moto world (tests/support/aws_world.py): the lab SMTP
endpoint on 127.0.0.1, which accepts the SMTP secret's credentials, as a configured target."""

from __future__ import annotations

from typing import Any

from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint
from tests.support.aws_world import SMTP_PASSWORD

LAB_PASSWORD = SMTP_PASSWORD  # what the lab endpoint accepts; asserted absent from every output


def lab_target(endpoint: LabSmtpEndpoint, name: str = "lab") -> dict[str, Any]:
    """The lab endpoint as a configured SMTP target: STARTTLS, AUTH, trusting the lab's CA."""
    return {"name": name, "host": endpoint.host, "port": endpoint.port, "tls": "starttls", "ca_file": endpoint.ca_file}
