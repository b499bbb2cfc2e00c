"""How many times the cached clients and the lab's clients try a call that keeps failing: a server on 127.0.0.1
answers every request with a retryable 500, and counts them."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.exceptions import ClientError

from mailcanary.config import clients as aws_clients
from mailcanary.lab.aws_lab import AwsLab, LabResources

pytestmark = pytest.mark.functional


class _AlwaysFailing(BaseHTTPRequestHandler):
    requests = 0

    def do_POST(self) -> None:
        type(self).requests += 1
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b'{"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "try again"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def failing_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_AlwaysFailing]]:
    handler = type("Handler", (_AlwaysFailing,), {"requests": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.server_address[1]}",
    }.items():
        monkeypatch.setenv(name, value)
    aws_clients.clear()
    try:
        yield handler
    finally:
        aws_clients.clear()
        server.shutdown()
        server.server_close()


def test_given_a_failing_service_when_a_cached_client_calls_then_it_tries_max_attempts_times_in_all(
    failing_endpoint: type[_AlwaysFailing],
) -> None:
    # Given a DynamoDB endpoint that answers 500 every time
    client = aws_clients.client("dynamodb", "us-east-1")
    # When one call is made, Then it fails after MAX_ATTEMPTS requests, the first included (not 1 + 3 retries)
    with pytest.raises(ClientError):
        client.list_tables()
    assert failing_endpoint.requests == aws_clients.MAX_ATTEMPTS == 3


def test_given_a_failing_service_when_a_lab_client_calls_then_it_tries_three_times_in_all(
    failing_endpoint: type[_AlwaysFailing],
) -> None:
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    resources = LabResources(**{field.name: "" for field in dataclasses.fields(LabResources)})
    with pytest.raises(ClientError):
        AwsLab(endpoint, resources).client("dynamodb").list_tables()
    assert failing_endpoint.requests == 3
