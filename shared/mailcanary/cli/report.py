"""`mailcanary report --html PATH`: the rounds a deployed stack (or the local lab) recorded in a time window, as one
self-contained HTML page (success over time per path and check, latency per target, failed checks with evidence).

Exit codes: 0 the page was written (whatever the rounds' verdicts: `history` is the command that judges), 2 usage
error (a bad time, a window too large to read at once, a path that cannot be written, the chart library missing),
3 the stack or the canary table could not be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mailcanary.cli.history import LAB_TABLE, _moment, _stack_default, _stack_name
from mailcanary.cli.safe_io import clean_text
from mailcanary.core.errors import UsageError

__all__ = ["EXIT_SOURCE_UNREADABLE", "register", "run"]

EXIT_SOURCE_UNREADABLE = 3
_EPILOG = (
    "times: ISO 8601 (2026-03-02T09:00, UTC unless it names a zone) or an age (90s, 30m, 2h, 7d ago). "
    "exit codes: 0 the page was written, 2 usage error, 3 the stack or the table could not be read"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the rounds of a time window as one self-contained HTML page (charts, latency, failures)",
        description="The rounds a deployed stack (--stack) or the local lab (--endpoint-url) recorded from --since "
        "to --until, as one HTML file that opens offline: success rate per path and per check over time, "
        "send/delivery/arrival latency p50/p99 per target, and the failed checks with their evidence.",
        epilog=_EPILOG,
    )
    parser.add_argument("--html", type=Path, required=True, metavar="PATH", help="write the page to PATH")
    parser.add_argument("--since", type=_moment, required=True, metavar="TIME", help="rounds started at or after TIME")
    parser.add_argument("--until", type=_moment, metavar="TIME", help="... and at or before TIME (default: now)")
    parser.add_argument("--title", default="", help="the page's title (default: names the stack or table)")
    source = parser.add_argument_group("where the rounds are (default: the stack named by $MAILCANARY_STACK)")
    source.add_argument("--stack", type=_stack_name, help="a deployed stack: its canary table from its outputs")
    source.add_argument("--endpoint-url", metavar="URL", help="a DynamoDB endpoint, e.g. the lab's moto server")
    source.add_argument("--table", metavar="NAME", help=f"the canary table on --endpoint-url (default {LAB_TABLE})")
    source.add_argument("--region", help="the AWS region (default: the AWS CLI's)")
    parser.set_defaults(func=run)


def _writable(path: Path) -> None:
    if path.is_dir() or not path.parent.is_dir():
        raise UsageError(f"cannot write the report to {path}: not a file in an existing directory")


def run(args: argparse.Namespace, clients: Any = None) -> int:
    """Read the window's rounds and write the page; `clients` (service -> client) replaces boto3's in tests."""
    from mailcanary.history import SourceNotReadableError, endpoint_source, session_factory, stack_source
    from mailcanary.html_report import render_html, require_charts
    from mailcanary.store import CanaryStore, HistoryQueryError, HistoryTooLargeError, StoreError, list_canaries

    if args.stack and (args.endpoint_url or args.table):
        raise UsageError("--stack reads the table from the stack: it takes no --endpoint-url/--table")
    _writable(args.html)
    require_charts()  # before anything is read
    if args.until is not None and args.since > args.until:
        raise UsageError("since is after until: the window is empty")
    if clients is not None:
        factory, region = clients, args.region or "us-east-1"
    else:
        factory, region = session_factory(args.region, args.endpoint_url)
    try:
        if args.endpoint_url or args.table:
            source = endpoint_source(factory, args.table or LAB_TABLE, endpoint_url=args.endpoint_url)
        else:
            source = stack_source(factory, args.stack or _stack_default(), region)
        canaries = list_canaries(CanaryStore(source.dynamodb, source.table_name), since=args.since, until=args.until)
    except (HistoryQueryError, HistoryTooLargeError) as exc:
        raise UsageError(str(exc)) from exc
    except (SourceNotReadableError, StoreError) as exc:
        print(f"mailcanary report: {clean_text(' '.join(str(exc).split()))}", file=sys.stderr)
        return EXIT_SOURCE_UNREADABLE
    where = source.description.get("stack") or source.description.get("table")
    title = args.title or f"mailcanary report: {where}"
    try:
        args.html.write_text(render_html(canaries, title=title), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report to {args.html}: {exc.strerror or exc}") from exc
    print(f"report: {len(canaries)} rounds from {where} -> {clean_text(str(args.html))}", file=sys.stderr)
    return 0
