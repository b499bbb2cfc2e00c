"""Terminal-safe input and output for every sub-command: any locale, any bytes, a closed pipe.

A command's output must never fail because of what it prints: stdout and stderr are switched to
`backslashreplace` (a character the terminal's encoding cannot show is written as an escape), stdin to
`surrogateescape` (undecodable bytes are kept, not refused). JSON is written through `json_text`, which
turns undecodable bytes (kept as lone surrogates by `surrogateescape`) into visible `\\xNN` escapes so
the document is always valid UTF-8 and never carries a lone surrogate.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

__all__ = ["clean_text", "json_text", "reconfigure_streams", "silence_stdout"]


def reconfigure_streams() -> None:
    """Make printing and reading text unable to raise on encoding, whatever the locale or PYTHONIOENCODING."""
    for stream, errors in ((sys.stdout, "backslashreplace"), (sys.stderr, "backslashreplace")):
        _reconfigure(stream, errors)
    _reconfigure(sys.stdin, "surrogateescape")


def _reconfigure(stream: TextIO | None, errors: str) -> None:
    reconfigure = getattr(stream, "reconfigure", None)  # replaced streams (tests, pipes) may not offer it
    if reconfigure is not None:
        try:
            reconfigure(errors=errors)
        except (ValueError, OSError):  # a closed or detached stream: nothing will be printed to it anyway
            return


def clean_text(text: str) -> str:
    """`text` with no lone surrogate: undecodable bytes as `\\xNN`, any other lone surrogate as `\\udXXX`."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate surrogateescape did not make (e.g. from JSON input)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)) if isinstance(key, str) else key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def json_text(document: Any, *, indent: int | None = 2, **options: Any) -> str:
    """`json.dumps`, with every string cleaned of lone surrogates first: valid UTF-8 whatever the input held."""
    return json.dumps(_clean(document), indent=indent, **options)


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor behind stdout (replaced in-process): nothing to flush
        return
