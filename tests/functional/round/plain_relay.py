"""A plain MTA on 127.0.0.1 for the round tests: no TLS, no AUTH, and a Postfix-style "queued as" reply, so the
path gets no SES message id (the target is not SES)."""

from __future__ import annotations

import socket
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller


class _Queue:
    def __init__(self) -> None:
        self.messages: list[tuple[tuple[str, ...], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((tuple(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 Ok: queued as 4XyZ1Q2r3s"


class PlainRelay:
    """Context manager: a plain SMTP relay on a free loopback port; `messages` holds (RCPT TOs, bytes) received."""

    def __init__(self) -> None:
        self.queue = _Queue()
        with socket.socket() as probe:  # aiosmtpd's Controller cannot bind port 0 itself
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._controller = Controller(self.queue, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[tuple[tuple[str, ...], bytes]]:
        return self.queue.messages

    def target(self, name: str = "relay") -> dict[str, Any]:
        return {"name": name, "host": "127.0.0.1", "port": self.port, "tls": "none", "auth": False}

    def __enter__(self) -> PlainRelay:
        self._controller.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._controller.stop()
