"""A fault proxy in front of moto on 127.0.0.1: answers SES sends with the errors real SES returns.

moto never throttles, never pauses an account and accepts any verified sender, so the fault lab puts this
small HTTP proxy between the canary's SES clients and moto (`AWS_ENDPOINT_URL_SES` / `_SESV2` point here).
Every request is forwarded to moto unchanged, except a send while a fault is armed: SES v1 `SendRawEmail`
/ `SendEmail` (query protocol, XML error) or SESv2 `SendEmail` (REST-JSON error) gets the status, error code
and message SES documents for that failure. Refused sends are counted, so a test can see the SDK's retries.
"""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from dataclasses import dataclass
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from mailcanary.lab.net import LOOPBACK

__all__ = ["ApiFault", "SesError", "SesFaultProxy"]

_V1_SENDS = frozenset({"SendRawEmail", "SendEmail"})
_V2_SEND_PATH = "/v2/email/outbound-emails"
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"})
_MAX_BODY = 50 * 1024 * 1024  # SES's own limit on a raw message is 40 MB


class ApiFault(StrEnum):
    """How the proxied SES API misbehaves on sends."""

    THROTTLING = "api-throttling"
    MESSAGE_REJECTED = "api-message-rejected"
    ACCOUNT_PAUSED = "api-account-paused"


@dataclass(frozen=True, slots=True)
class SesError:
    """One SES error answer: HTTP status and code for each API version, and SES's message."""

    status: int
    v1_code: str
    v2_status: int
    v2_code: str
    message: str


ERRORS: dict[ApiFault, SesError] = {
    ApiFault.THROTTLING: SesError(400, "Throttling", 429, "TooManyRequestsException", "Maximum sending rate exceeded."),
    ApiFault.MESSAGE_REJECTED: SesError(
        400, "MessageRejected", 400, "MessageRejected", "Email address is not verified."
    ),
    ApiFault.ACCOUNT_PAUSED: SesError(
        400,
        "AccountSendingPausedException",
        400,
        "SendingPausedException",
        "Email sending is disabled for your entire Amazon SES account.",
    ),
}


def v1_error_body(error: SesError) -> bytes:
    """The query-protocol XML error document SES v1 returns."""
    return (
        '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">\n'
        f"  <Error>\n    <Type>Sender</Type>\n    <Code>{error.v1_code}</Code>\n"
        f"    <Message>{error.message}</Message>\n  </Error>\n"
        f"  <RequestId>{uuid.uuid4()}</RequestId>\n</ErrorResponse>\n"
    ).encode()


class SesFaultProxy:
    """A context manager: an HTTP proxy on a free loopback port forwarding to `upstream` (moto)."""

    def __init__(self, upstream: str, faults: frozenset[ApiFault] = frozenset()) -> None:
        parsed = urlparse(upstream)
        if parsed.hostname != LOOPBACK or parsed.port is None:
            raise ValueError(f"the fault proxy forwards only to {LOOPBACK}:<port>, not {upstream!r}")
        self.upstream_port = parsed.port
        self.faults = faults  # replaced between rounds by the lab (an immutable set: no lock needed)
        self._refused = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        assert self._server is not None, "the proxy is not running"
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    @property
    def refused(self) -> int:
        """How many sends the proxy answered with an injected error."""
        with self._lock:
            return self._refused

    def _count_refusal(self) -> None:
        with self._lock:
            self._refused += 1

    def start(self) -> SesFaultProxy:
        self._server = ThreadingHTTPServer((LOOPBACK, 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="ses-fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SesFaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def active_error(self) -> SesError | None:
        """The error sends get right now (the first armed fault), or None."""
        for fault in ApiFault:
            if fault in self.faults:
                return ERRORS[fault]
        return None


def _handler_for(proxy: SesFaultProxy) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the demo's stderr is its progress display

        def do_GET(self) -> None:
            self._relay(b"")

        def do_DELETE(self) -> None:
            self._relay(b"")

        def do_PUT(self) -> None:
            self._relay(self._body())

        def do_POST(self) -> None:
            body = self._body()
            error = proxy.active_error()
            if error is not None and self._is_send(body):
                proxy._count_refusal()
                self._refuse(error)
                return
            self._relay(body)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(min(length, _MAX_BODY))

        def _is_send(self, body: bytes) -> bool:
            if self.path.split("?", 1)[0] == _V2_SEND_PATH:
                return True
            action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
            return action in _V1_SENDS

        def _refuse(self, error: SesError) -> None:
            if self.path.startswith("/v2/"):
                body = json.dumps({"message": error.message}).encode()
                self._answer(error.v2_status, body, "application/json", {"x-amzn-ErrorType": error.v2_code})
            else:
                self._answer(error.status, v1_error_body(error), "text/xml", {})

        def _answer(self, status: int, body: bytes, content_type: str, extra: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _relay(self, body: bytes) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream = http.client.HTTPConnection(LOOPBACK, proxy.upstream_port, timeout=30)
            try:
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                reply = upstream.getresponse()
                payload = reply.read()
                self.send_response(reply.status, reply.reason)
                for name, value in reply.getheaders():
                    if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            finally:
                upstream.close()

    return _Handler
