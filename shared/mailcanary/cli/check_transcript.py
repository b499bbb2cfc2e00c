"""`mailcanary check-transcript FILE`: judge a saved SMTP transcript, debug log, server log or capture.

Exit 0 when every session is in RFC 5321 order, 1 when a rule was broken (by the client, or a server
refused or accepted a command out of sequence), 2 when the file cannot be read or its format is not
recognised. The format is detected (see `--list-formats`) unless `--format` names it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mailcanary.core.errors import UsageError
from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.sequence import validate
from mailcanary.smtp.sequence_report import Rule, SequenceReport
from mailcanary.smtp.transcript_formats import FORMATS, CapturedSession, Reader, reader
from mailcanary.smtp.transcript_formats.base import LogFinding
from mailcanary.smtp.transcript_io import open_sessions

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-transcript",
        help="check an SMTP transcript, debug log, server log or packet capture against RFC 5321 command order",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("file", metavar="FILE", nargs="?", help="the capture to check; - for stdin")
    parser.add_argument("--format", metavar="NAME", help="read FILE as this format (see --list-formats)")
    parser.add_argument("--list-formats", action="store_true", help="name the formats read, and exit")
    parser.add_argument("--port", type=int, action="append", metavar="PORT", help="pcap: SMTP on this TCP port")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--tls-not-required", action="store_true", help="do not count AUTH in clear text as a violation"
    )
    parser.set_defaults(func=run)


def _judge(session: CapturedSession, tls_required: bool) -> SequenceReport:
    return validate(session.transcript, tls_required=tls_required, greeting_recorded=session.greeting_recorded)


def _valid(session: CapturedSession, report: SequenceReport) -> bool:
    return report.valid and not session.notes


def _log_findings(session: CapturedSession, report: SequenceReport) -> list[LogFinding]:
    """The log's own findings, less those the dialogue already shows (Exim's debug output has both)."""
    shown = {violation.rule.value for violation in report.violations}
    return [note for note in session.notes if note.rule not in shown]


def _at(session: CapturedSession, index: int, unit: str) -> str:
    line = session.source_lines[index] if index < len(session.source_lines) else index + 1
    return f"{unit} {line}"


def _findings(session: CapturedSession, report: SequenceReport, unit: str) -> list[str]:
    out = []
    for v in report.violations:
        where = _at(session, v.index, unit)
        out.append(f"  client: {v.rule.value} at {where}: {v.command!r}: {v.explanation} [{v.rule.reference}]")
    for r in report.server_refusals:
        where = _at(session, r.index, unit)
        if r.expected:
            out.append(f"  server refusal at {where} (correct, not counted): {r.command!r}: {r.explanation}")
            continue
        confirms = f" (confirms {r.confirms.value})" if r.confirms else " (the client broke no rule: server side)"
        out.append(f"  server refusal at {where}: {r.command!r}: {r.explanation}{confirms}")
    for a in report.server_acceptances:
        rule = f" [{a.rule.value}, {a.rule.reference}]" if a.rule else ""
        where = _at(session, a.index, unit)
        out.append(f"  server accepted out of order at {where}: {a.command!r}: {a.explanation}{rule}")
    for note in _log_findings(session, report):
        ref = Rule(note.rule).reference if note.rule in Rule._value2member_map_ else ""
        out.append(f"  {note.party}: {note.rule} at line {note.line} (server {note.outcome}): {note.text!r} [{ref}]")
    if session.encrypted_at is not None:
        out.append(f"  encrypted after STARTTLS from {unit} {session.encrypted_at}: judged up to the TLS handshake")
    return out


def _summary(report: SequenceReport, fmt: str) -> str:
    count = f"{report.commands} commands, {fmt}"
    if report.probe_commands:
        count += f"; {report.probe_commands} conformance-probe commands left out"
    return count


def _human_one(name: str, fmt: str, session: CapturedSession, report: SequenceReport, unit: str) -> str:
    count = _summary(report, fmt)
    if _valid(session, report):
        extra = "\n".join(_findings(session, report, unit))
        return f"{name}: valid ({count}): every command in RFC 5321 order" + (f"\n{extra}" if extra else "")
    return "\n".join([f"{name}: INVALID ({count})", *_findings(session, report, unit)])


def _json_one(session: CapturedSession, report: SequenceReport) -> dict[str, Any]:
    data: dict[str, Any] = report.to_dict()
    data["valid"] = _valid(session, report)
    for key in ("violations", "server_refusals", "server_acceptances"):
        for item in data[key]:
            item["line"] = session.source_lines[item["index"]]
    data["log_findings"] = [
        {"rule": n.rule, "party": n.party, "server": n.outcome, "line": n.line, "text": n.text}
        for n in _log_findings(session, report)
    ]
    if session.encrypted_at is not None:
        data["encrypted_at"] = session.encrypted_at
    return data


def _unit(chosen: Reader, single_json: bool) -> str:
    if chosen.name == "pcap":
        return "packet"
    return "transcript line" if single_json else "line"


def _list_formats() -> int:
    for name in FORMATS:
        print(f"{name:12} {reader(name).description}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list_formats:
        return _list_formats()
    if args.file is None:
        raise UsageError("FILE is required (or --list-formats)")
    try:
        chosen, sessions = open_sessions(args.file, args.format, ports=tuple(args.port or ()))
        if chosen.multi_session:
            return _many(args, chosen, sessions)
        first = next(sessions, None)
        if first is None:
            raise TranscriptFormatError(f"{args.file}: no SMTP session found")
        second = next(sessions, None)
        if second is not None:
            return _many(args, chosen, iter((first, second, *sessions)))
    except TranscriptFormatError as exc:
        raise UsageError(str(exc)) from exc
    report = _judge(first, not args.tls_not_required)
    if args.json:
        print(json.dumps({"file": args.file, "format": chosen.name, **_json_one(first, report)}, indent=2))
    else:
        print(_human_one(args.file, chosen.name, first, report, _unit(chosen, chosen.name == "json")))
    return 0 if _valid(first, report) else 1


def _many(args: argparse.Namespace, chosen: Reader, sessions: Any) -> int:
    """One verdict per session, streamed: human output shows invalid sessions in full and a count."""
    total = invalid = 0
    out = sys.stdout
    if args.json:
        out.write(f'{{"file": {json.dumps(args.file)}, "format": "{chosen.name}", "sessions": [')
    try:
        for session in sessions:
            report = _judge(session, not args.tls_not_required)
            ok = _valid(session, report)
            total, invalid = total + 1, invalid + (not ok)
            label = f"{session.label} from {_unit(chosen, False)} {session.start_line}".strip()
            if args.json:
                item = {"session": session.label, "line": session.start_line, **_json_one(session, report)}
                out.write(("," if total > 1 else "") + "\n  " + json.dumps(item))
            elif not ok or session.encrypted_at is not None:
                print(_human_one(f"{args.file}: {label}", chosen.name, session, report, _unit(chosen, False)))
    except TranscriptFormatError as exc:
        if args.json:
            out.write("\n]}\n")
        raise UsageError(str(exc)) from exc
    if args.json:
        out.write(f'\n], "valid": {json.dumps(invalid == 0)}, "sessions_judged": {total}, "invalid": {invalid}}}\n')
    else:
        print(f"{args.file}: {total} sessions ({chosen.name}): {total - invalid} valid, {invalid} invalid")
    return 0 if invalid == 0 else 1
