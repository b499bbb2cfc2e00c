"""Helpers for SES tests on moto (`mock_aws`): clients, a verified sender, and what moto recorded.

moto is not SES: it records `Destinations` *plus* the header recipients of a raw message (real SES is
reported to use `Destinations` only), accepts unknown configuration sets and never emits events. Tests
read moto's record only to prove what left the client, never as evidence of SES's behaviour.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from tests.support.aws_world import REGION, SENDER, AwsWorld, fake_credentials

__all__ = ["REGION", "SENDER", "MotoSes", "client_answering", "fake_credentials", "free_port"]


@dataclass
class MotoSes:
    aws: AwsWorld
    v1: Any
    v2: Any

    def sent(self) -> list[Any]:
        """moto's record of every raw message it accepted (v1 and v2 share it)."""
        return self.aws.sent_raw()


def client_answering(service: str, status: int, body: bytes, headers: dict[str, str], max_attempts: int) -> Any:
    """A real client (standard retry mode) whose every HTTP request is answered by a `before-send` hook.

    No network and no moto: botocore parses the canned answer and its retry handler runs as in production.
    The hook counts the attempts in `client.attempts`.
    """
    config = Config(retries={"mode": "standard", "total_max_attempts": max_attempts})
    client = boto3.client(service, region_name=REGION, config=config)
    client.attempts = 0

    def answer(request: Any, **_: Any) -> AWSResponse:
        client.attempts += 1
        return AWSResponse(request.url, status, headers, _Raw(body))

    client.meta.events.register("before-send", answer)
    return client


class _Raw:
    """The raw-body object AWSResponse reads from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
