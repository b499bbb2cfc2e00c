"""msmtp `--debug` output: its configuration dump, then `<-- ` server lines and `--> ` client lines.

Message content is printed as `--> ` lines between the 354 and the final dot. With TLS, msmtp prints the
certificate details between the dialogue lines (skipped); the STARTTLS exchange itself marks TLS.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript_formats.base import CapturedSession, SessionBuilder, numbered_lines

__all__ = ["READER"]

_SNIFF = re.compile(r"^<-- \d{3}[ -]", re.MULTILINE)
_CONFIG = re.compile(r"^(?:host|tls_starttls|auth) = ", re.MULTILINE)


class _Reader:
    name = "msmtp"
    description = "msmtp --debug output (--> / <--)"
    multi_session = False

    def sniff(self, head: str, raw: bytes) -> bool:
        return _SNIFF.search(head) is not None and (_CONFIG.search(head) is not None or "\n--> " in head)

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        session = SessionBuilder()
        for number, raw in numbered_lines(stream):
            if raw.startswith("--> ") or raw == "-->":
                session.client(raw[4:], number)
            elif raw.startswith("<-- ") or raw == "<--":
                session.server(raw[4:], number)
        if not session.lines:
            raise TranscriptFormatError("line 1: no msmtp --> / <-- lines found")
        yield session.build()


READER = _Reader()
