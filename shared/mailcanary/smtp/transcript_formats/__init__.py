"""Transcript readers, one module per capture format, behind one interface (`base.Reader`).

`detect` picks the reader whose `sniff` recognises the start of a file; `reader` gets one by name. Reader
modules are imported only when needed, so a command that reads no transcript pays nothing for them.
"""

from __future__ import annotations

import importlib
from typing import IO

from mailcanary.smtp.errors import FormatNotRecognisedError
from mailcanary.smtp.transcript_formats.base import HEAD_BYTES, CapturedSession, LogFinding, Reader, decode

__all__ = ["FORMATS", "CapturedSession", "LogFinding", "Reader", "detect", "read_head", "reader"]

# name -> module; detection tries them in this order (the most specific first)
FORMATS: dict[str, str] = {
    "json": "mailcanary.smtp.transcript_formats.mailcanary_json",
    "smtp-probe": "mailcanary.smtp.transcript_formats.mailcanary_text",
    "swaks": "mailcanary.smtp.transcript_formats.swaks",
    "smtplib": "mailcanary.smtp.transcript_formats.smtplib_debug",
    "nodemailer": "mailcanary.smtp.transcript_formats.nodemailer",
    "phpmailer": "mailcanary.smtp.transcript_formats.phpmailer",
    "msmtp": "mailcanary.smtp.transcript_formats.msmtp",
    "curl": "mailcanary.smtp.transcript_formats.curl_verbose",
    "socat": "mailcanary.smtp.transcript_formats.socat_verbose",
    "postfix": "mailcanary.smtp.transcript_formats.postfix_log",
    "exim": "mailcanary.smtp.transcript_formats.exim_debug",
    "exim-mainlog": "mailcanary.smtp.transcript_formats.exim_mainlog",
    "opensmtpd": "mailcanary.smtp.transcript_formats.opensmtpd",
    "pcap": "mailcanary.smtp.transcript_formats.pcap",
}


def reader(name: str) -> Reader:
    """The reader called `name`; an unknown name is a `FormatNotRecognisedError` listing the known ones."""
    module = FORMATS.get(name)
    if module is None:
        raise FormatNotRecognisedError(f"unknown format {name!r}; formats: {', '.join(FORMATS)}")
    found: Reader = importlib.import_module(module).READER
    return found


def read_head(stream: IO[bytes]) -> bytes:
    """The first bytes of a seekable stream, which is then rewound."""
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    return head


def detect(raw_head: bytes) -> Reader:
    """The first reader that recognises this start of a file, or `FormatNotRecognisedError`."""
    head = decode(raw_head).removeprefix("\ufeff")
    for name in FORMATS:
        candidate = reader(name)
        if candidate.sniff(head, raw_head):
            return candidate
    raise FormatNotRecognisedError(f"format not recognised; formats read: {', '.join(FORMATS)} (or --format NAME)")
