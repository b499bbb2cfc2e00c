"""`mailcanary parse-bounce FILE... [--json]`: explain bounce messages (.eml/.txt) and SES event JSON.

A `.json` file, or one whose first non-blank byte is `{`, is read as SES JSON: one record, bare or inside an SNS
notification, or a Lambda SNS event (one output per record). Anything else is read as a mail message.
A file that cannot be read or parsed (also one over a limit: larger than 25 MB, MIME parts nested deeper than
32 levels) is reported as `unparseable` with the reason; the others are still processed. `--reason-names
sisimai` names reasons as sisimai does. A recipient's `original_recipient` is the DSN's Original-Recipient.
Exit 0 when every file parsed, 1 when any was unparseable, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TypedDict

from mailcanary.bounce import BounceParseError, BounceReport, parse_bounce
from mailcanary.bounce.ses_reasons import classify_ses_recipient
from mailcanary.bounce.sisimai_names import sisimai_reason
from mailcanary.ses.errors import SesEventParseError
from mailcanary.ses.events import SesEventSummary, UnparseableEvent, parse_ses_event, parse_sns_lambda_event

__all__ = ["register", "run"]


class RecipientJson(TypedDict, total=False):
    address: str
    action: str | None
    status: str | None
    diagnostic_code: str | None
    reason: str | None
    hard: bool
    original_recipient: str | None  # messages only: the DSN's Original-Recipient, when it gives one


class ResultJson(TypedDict, total=False):
    file: str
    kind: str  # bounce|delay|auto_reply|complaint|not_bounce|ses_event|unparseable
    event_type: str  # SES only
    message_id: str  # SES only
    dialect: str  # messages only
    original_message_id: str | None  # messages only
    reason: str  # unparseable only
    recipients: list[RecipientJson]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "parse-bounce",
        help="explain bounce messages and SES event JSON",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".eml/.txt message or SES event JSON")
    parser.add_argument("--json", action="store_true", help="one JSON object per line (per file or SNS record)")
    parser.add_argument(
        "--reason-names",
        choices=("mailcanary", "sisimai"),
        default="mailcanary",
        help="name reasons as mailcanary does (default) or as sisimai does (userunknown, mailboxfull, ...)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failed = False
    for name in args.files:  # one file at a time: a huge or hostile input never holds up the others' output
        for result in explain_file(Path(name), reason_names=getattr(args, "reason_names", "mailcanary")):
            failed = failed or result["kind"] == "unparseable"
            _print(json.dumps(result, sort_keys=False) if args.json else _human(result))
    return 1 if failed else 0


def _print(line: str) -> None:
    """Print whatever the terminal's encoding: characters it cannot show are escaped, never an error."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    print(line.encode(encoding, errors="backslashreplace").decode(encoding, errors="replace"))


def explain_file(path: Path, reason_names: str = "mailcanary") -> list[ResultJson]:
    """What one file says, as the JSON objects `--json` prints (usually one; one per record for Lambda events)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [_unparseable(path, f"cannot read: {exc.strerror or exc}")]
    if path.suffix.lower() == ".json" or data.lstrip()[:1] == b"{":
        return _explain_json(path, data)
    try:
        return [_from_report(path, parse_bounce(data), reason_names)]
    except BounceParseError as exc:  # including BounceTooLargeError and BounceTooDeepError: over a limit
        return [_unparseable(path, str(exc))]


def _explain_json(path: Path, data: bytes) -> list[ResultJson]:
    try:
        document = json.loads(data)
        if isinstance(document, dict) and isinstance(document.get("Records"), list):
            return [_from_ses(path, item) for item in parse_sns_lambda_event(document)]
        return [_from_ses(path, parse_ses_event(data))]
    except (ValueError, RecursionError, SesEventParseError) as exc:
        return [_unparseable(path, str(exc) if isinstance(exc, SesEventParseError) else f"not JSON: {exc}")]


def _from_report(path: Path, report: BounceReport, reason_names: str = "mailcanary") -> ResultJson:
    recipients: list[RecipientJson] = [
        {
            "address": r.address,
            "action": r.action,
            "status": r.status,
            "diagnostic_code": r.diagnostic_code,
            "reason": sisimai_reason(r.reason) if reason_names == "sisimai" else r.reason.value,
            "hard": r.hard,
            "original_recipient": r.original_recipient,
        }
        for r in report.recipients
    ]
    return {
        "file": str(path),
        "kind": report.kind.value,
        "dialect": report.dialect,
        "original_message_id": report.original_message_id,
        "recipients": recipients,
    }


def _from_ses(path: Path, event: SesEventSummary | UnparseableEvent) -> ResultJson:
    if isinstance(event, UnparseableEvent):
        return _unparseable(path, event.reason)
    recipients: list[RecipientJson] = []
    for r in event.recipients:
        verdict = classify_ses_recipient(event, r)
        recipients.append(
            {
                "address": r.address,
                "action": r.action,
                "status": r.status,
                "diagnostic_code": r.diagnostic_code,
                "reason": verdict.reason.value if verdict else None,
                "hard": verdict.hard if verdict else False,
            }
        )
    return {
        "file": str(path),
        "kind": "ses_event",
        "event_type": event.event_type.value,
        "message_id": event.message_id,
        "recipients": recipients,
    }


def _unparseable(path: Path, reason: str) -> ResultJson:
    return {"file": str(path), "kind": "unparseable", "reason": " ".join(reason.split()), "recipients": []}


def _human(result: ResultJson) -> str:
    kind = result["kind"]
    if kind == "unparseable":
        return f"{result['file']}: unparseable: {result.get('reason', '')}"
    detail = result.get("event_type") or result.get("dialect") or ""
    lines = [f"{result['file']}: {kind}{f' ({detail})' if detail else ''}, {len(result['recipients'])} recipient(s)"]
    for r in result["recipients"]:
        severity = "hard" if r["hard"] else "soft"
        fields = [r["address"], r["action"] or "-", r["status"] or "-", r["reason"] or "-", severity]
        lines.append("  " + "  ".join(fields) + (f"  {r['diagnostic_code']}" if r["diagnostic_code"] else ""))
    return "\n".join(lines)
