"""What `mailcanary round-trip` shows: the progress line while waiting, and the result as text or JSON."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from mailcanary.arrival.model import ArrivedMessage
from mailcanary.arrival.wait import Progress
from mailcanary.core.checks import Verdict
from mailcanary.core.redaction import redact_text

__all__ = ["Outcome", "progress_line", "render"]


@dataclass
class Outcome:
    """What one round trip did, stage by stage; filled as it goes."""

    canary_id: str
    mailbox: str
    path: str = ""
    target: str = ""
    raw: bytes = b""
    envelope: tuple[str, ...] = ()
    copies: tuple[ArrivedMessage, ...] = ()
    verdicts: Sequence[Verdict] = ()
    polls: int = 0
    exit_code: int = 0
    error: str = ""
    started: float = field(default_factory=time.monotonic)

    def fail(self, exit_code: int, error: str) -> None:
        self.exit_code, self.error = exit_code, error

    def as_dict(self) -> dict[str, Any]:
        return {
            "canary_id": self.canary_id,
            "verdict": "pass" if self.exit_code == 0 else "fail",
            "exit_code": self.exit_code,
            "error": self.error or None,
            "path": self.path,
            "target": self.target,
            "envelope": list(self.envelope),
            "mailbox": self.mailbox,
            "polls": self.polls,
            "elapsed_seconds": round(time.monotonic() - self.started, 3),
            "copies": [
                {
                    "placement": copy.placement.value,
                    "location": copy.location,
                    "envelope_recipients": list(copy.envelope_recipients),
                    "received_at": copy.received_at.isoformat(),
                    "bytes": len(copy.raw),
                }
                for copy in self.copies
            ],
            "checks": [
                {
                    "check": verdict.check.value,
                    "passed": verdict.passed,
                    "detail": verdict.detail,
                    "expected": _plain(verdict.expected),
                    "observed": _plain(verdict.observed),
                }
                for verdict in self.verdicts
            ],
        }


def _plain(value: object) -> object:
    """A verdict's expected/observed value as JSON can hold it."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(each) for each in value]
    if isinstance(value, dict):
        return {str(key): _plain(each) for key, each in value.items()}
    return str(value)


def render(document: dict[str, Any]) -> str:
    """The result as lines of text: what was sent, each copy, each check, and the verdict."""
    lines = [f"=== canary {document['canary_id']} via {document['path'] or '?'} {document['target']}"]
    if document["envelope"]:
        lines.append(f"=== envelope: {', '.join(document['envelope'])}")
    lines.append(f"=== mailbox {document['mailbox']}: {len(document['copies'])} copies in {document['polls']} polls")
    for copy in document["copies"]:
        lines.append(f"  {copy['placement']:<5} {copy['location']} for {', '.join(copy['envelope_recipients'])}")
    for check in document["checks"]:
        state = "PASS" if check["passed"] else "FAIL"
        lines.append(f"  {state} {check['check']}" + (f": {check['detail']}" if check["detail"] else ""))
    verdict = "PASS" if document["exit_code"] == 0 else f"FAIL (exit {document['exit_code']}): {document['error']}"
    lines.append(verdict)
    return "\n".join(lines)


def progress_line(stream: TextIO, canary_id: str, mailbox: str) -> Callable[[Progress | None], None]:
    """A callback that shows the wait on `stream` (rewritten in place on a terminal, one line per poll otherwise);
    None ends the line."""
    tty = stream.isatty()
    shown = [False]

    def show(progress: Progress | None) -> None:
        try:
            if progress is None:
                if tty and shown[0]:
                    stream.write("\n")
                stream.flush()
                return
            text = (
                f"round-trip: waiting for canary {canary_id} in {mailbox}: {progress.arrived} of {progress.expected} "
                f"arrived after {progress.polls} polls, {progress.elapsed:.0f} s of {progress.timeout:.0f} s"
            )
            stream.write(("\r" + redact_text(text) + "\x1b[K") if tty else redact_text(text) + "\n")
            stream.flush()
            shown[0] = True
        except OSError:
            pass  # stderr closed: the progress line is a courtesy

    return show
