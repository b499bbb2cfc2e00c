"""`mailcanary check-transcript FILE`: validate a saved SMTP transcript (our JSON or swaks text).

Exit 0 when the transcript is in RFC 5321 order, 1 when a rule was broken (by the client, or a
server refused or accepted a command out of sequence), 2 when the file cannot be read or parsed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mailcanary.core.errors import UsageError
from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.sequence import validate
from mailcanary.smtp.sequence_report import SequenceReport
from mailcanary.smtp.transcript_io import LoadedTranscript, load_transcript, parse_transcript

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-transcript",
        help="check a saved SMTP transcript (JSON or swaks output) against RFC 5321 command order",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument(
        "file", metavar="FILE", help="transcript file: smtp-probe --json output or swaks text; - for stdin"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--tls-not-required", action="store_true", help="do not count AUTH in clear text as a violation"
    )
    parser.set_defaults(func=run)


def _load(name: str) -> LoadedTranscript:
    try:
        if name == "-":
            return parse_transcript(sys.stdin.read())
        return load_transcript(Path(name))
    except TranscriptFormatError as exc:
        raise UsageError(str(exc)) from exc


def _where(loaded: LoadedTranscript, index: int) -> str:
    line = loaded.source_lines[index] if index < len(loaded.source_lines) else index + 1
    return f"transcript line {line}" if loaded.format == "json" else f"line {line}"


def _human(name: str, loaded: LoadedTranscript, report: SequenceReport) -> str:
    count = f"{report.commands} commands, {loaded.format}"
    if report.probe_commands:
        count += f"; {report.probe_commands} conformance-probe commands left out"
    if report.valid:
        return f"{name}: valid ({count}): every command in RFC 5321 order"
    out = [f"{name}: INVALID ({count})"]
    for v in report.violations:
        out.append(
            f"  {v.rule.value} at {_where(loaded, v.index)}: {v.command!r}: {v.explanation} [{v.rule.reference}]"
        )
    for r in report.server_refusals:
        confirms = f" (confirms {r.confirms.value})" if r.confirms else ""
        out.append(f"  server refusal at {_where(loaded, r.index)}: {r.command!r}: {r.explanation}{confirms}")
    for a in report.server_acceptances:
        out.append(f"  server accepted out of order at {_where(loaded, a.index)}: {a.command!r}: {a.explanation}")
    return "\n".join(out)


def _as_json(name: str, loaded: LoadedTranscript, report: SequenceReport) -> str:
    data: dict[str, Any] = {"file": name, "format": loaded.format, **report.to_dict()}
    for key in ("violations", "server_refusals", "server_acceptances"):
        for item in data[key]:
            item["line"] = loaded.source_lines[item["index"]]
    return json.dumps(data, indent=2)


def run(args: argparse.Namespace) -> int:
    loaded = _load(args.file)
    report = validate(loaded.transcript, tls_required=not args.tls_not_required)
    print(_as_json(args.file, loaded, report) if args.json else _human(args.file, loaded, report))
    return 0 if report.valid else 1
