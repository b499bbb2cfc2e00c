"""A scripted IMAP server on 127.0.0.1 for what Dovecot will not do: offer no STARTTLS, never greet, echo the
password. One connection, one thread, every wait bounded; it records every line the client sent."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# A reply for each command line received: (line without the tag, tag) -> reply lines (tag included by the script).
Script = Callable[[str, str], list[str]]


@dataclass
class ScriptedImap:
    greeting: str | None
    script: Script
    tls: ssl.SSLContext | None = None
    drip: float = 0.0  # seconds between the greeting's bytes (0: all at once)
    received: list[str] = field(default_factory=list)
    port: int = 0

    def serve(self, listener: socket.socket, stop: threading.Event) -> None:
        listener.settimeout(10)
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            connection.settimeout(10)
            if self.tls is not None:
                connection = self.tls.wrap_socket(connection, server_side=True)
            with connection, connection.makefile("rwb") as stream:
                if self.greeting is None:
                    stop.wait(15)  # never greet: the client's deadline must end the wait
                    return
                greeting = self.greeting.encode() + b"\r\n"
                for chunk in [bytes([byte]) for byte in greeting] if self.drip else [greeting]:
                    if self.drip and stop.wait(self.drip):
                        return
                    stream.write(chunk)
                    stream.flush()
                for _ in range(20):
                    line = stream.readline(10_000)
                    if not line:
                        return
                    text = line.decode("utf-8", "replace").rstrip("\r\n")
                    self.received.append(text)
                    tag, _, command = text.partition(" ")
                    for reply in self.script(command, tag):
                        stream.write(reply.encode() + b"\r\n")
                    stream.flush()


@contextlib.contextmanager
def scripted_imap(
    greeting: str | None, script: Script, tls: ssl.SSLContext | None = None, drip: float = 0.0
) -> Iterator[ScriptedImap]:
    """Serve one connection on 127.0.0.1 (a free port) in a thread, for the `with` block."""
    server = ScriptedImap(greeting, script, tls, drip)
    stop = threading.Event()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        server.port = listener.getsockname()[1]
        thread = threading.Thread(target=server.serve, args=(listener, stop), daemon=True)
        thread.start()
        try:
            yield server
        finally:
            stop.set()
            thread.join(15)


def capabilities(*words: str) -> Script:
    """A server that answers CAPABILITY with `words`, LOGOUT with BYE, and refuses everything else."""

    def reply(command: str, tag: str) -> list[str]:
        verb = command.split(" ", 1)[0].upper()
        if verb == "CAPABILITY":
            return [f"* CAPABILITY IMAP4rev1 {' '.join(words)}".rstrip(), f"{tag} OK done"]
        if verb == "LOGOUT":
            return ["* BYE", f"{tag} OK bye"]
        return [f"{tag} BAD not here"]

    return reply


def mailbox_with_one_message(fetch_reply: str) -> Script:
    """A server that logs anyone in, lists INBOX, finds message 1, and answers FETCH with `fetch_reply`."""
    base = capabilities("AUTH=PLAIN")

    def reply(command: str, tag: str) -> list[str]:
        words = command.upper().split()
        verb = words[1] if words[:1] == ["UID"] and len(words) > 1 else words[0] if words else ""
        if verb == "LOGIN":
            return [f"{tag} OK logged in"]
        if verb == "LIST":
            return ['* LIST () "/" INBOX', f"{tag} OK listed"]
        if verb in ("SELECT", "EXAMINE"):
            return ["* 1 EXISTS", f"{tag} OK [READ-WRITE] selected"]
        if verb == "SEARCH":
            return ["* SEARCH 1", f"{tag} OK searched"]
        if verb == "FETCH":
            return [fetch_reply]
        return base(command, tag)

    return reply
