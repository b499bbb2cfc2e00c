"""scripts/invoke.sh with the real AWS CLI against a Lambda Invoke endpoint on 127.0.0.1 that answers as Lambda
does (the Invoke API reference): HTTP 200 in both cases, `X-Amz-Function-Error: Unhandled` when the function
raised, the log tail base64 in `X-Amz-Log-Result`."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]


def _handler(raised: bool) -> type[BaseHTTPRequestHandler]:
    class Invoke(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if raised:
                body = json.dumps({"errorMessage": "boom", "errorType": "RuntimeError"}).encode()
            else:
                body = json.dumps({"canary_id": "c1", "passed": True}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Amz-Executed-Version", "$LATEST")
            self.send_header("X-Amz-Log-Result", base64.b64encode(b"START RequestId: 1\nEND\n").decode())
            if raised:
                self.send_header("X-Amz-Function-Error", "Unhandled")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Invoke


@pytest.fixture(params=[False, True], ids=["returned", "raised"])
def lambda_endpoint(request: pytest.FixtureRequest) -> Iterator[tuple[str, bool]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(request.param))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", request.param
    finally:
        server.shutdown()
        server.server_close()


def test_given_a_function_when_invoked_then_the_exit_code_says_whether_it_raised(
    lambda_endpoint: tuple[str, bool], tmp_path: Path
) -> None:
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed")
    endpoint, raised = lambda_endpoint
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "HOME": str(tmp_path),
    }
    # When a function (by its name) is invoked with a sample event
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "invoke.sh"), "mailcanary-CanaryFunction-X", "events/canary/scheduled.json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then the log tail and the response are shown either way
    assert "START RequestId: 1" in result.stdout
    # And the exit code is 1 only when the function raised, with the reason on stderr
    if raised:
        assert result.returncode == 1, result.stderr
        assert "RuntimeError" in result.stdout
        assert "raised an error (Unhandled)" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert '"passed": true' in result.stdout
