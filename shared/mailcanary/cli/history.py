"""`mailcanary history`: the rounds a deployed stack (or the local lab) recorded, per round and path: each failed
check with its evidence, the SES events, send/delivery/arrival latency, and where the round's artifacts are.

Exit codes: 0 the rounds shown all passed (or are pending, or there are none), 1 a round shown failed or was
lost, 2 usage error (a bad time, --last with --since, a window too large to read at once), 3 the stack or the
canary table could not be read.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from mailcanary.cli.safe_io import clean_text, json_text
from mailcanary.core.errors import UsageError

__all__ = ["EXIT_SOURCE_UNREADABLE", "parse_moment", "register", "run"]

EXIT_SOURCE_UNREADABLE = 3
DEFAULT_LAST = 20
LAB_TABLE = "mailcanary-canaries"  # the table the lab (`mailcanary demo`) creates
_STACK_NAME = re.compile(r"[A-Za-z][-A-Za-z0-9]{0,127}")
_RELATIVE = re.compile(r"(\d{1,6})([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_EPILOG = (
    "times: ISO 8601 (2026-03-02T09:00, UTC unless it names a zone) or an age (90s, 30m, 2h, 7d ago). "
    "exit codes: 0 no round shown failed, 1 a round shown failed or was lost, 2 usage error, "
    "3 the stack or the table could not be read"
)


def parse_moment(text: str, now: datetime | None = None) -> datetime:
    """`2026-03-02T09:00[:00][+01:00|Z]` (UTC when no zone is named) or an age such as `30m`, `2h`, `7d`."""
    relative = _RELATIVE.fullmatch(text.strip())
    if relative:
        amount, unit = relative.groups()
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (ISO 8601, or an age like 30m, 2h, 7d)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _moment(text: str) -> datetime:
    return parse_moment(text)


def _last(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _stack_name(text: str) -> str:
    if not _STACK_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"not a CloudFormation stack name: {text!r}")
    return text


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history",
        help="list recorded canary rounds: verdicts with evidence, latencies, artifacts",
        description="The rounds a deployed stack (--stack) or the local lab (--endpoint-url) recorded, oldest first: "
        "per round and path the state, each failed check with its evidence, the SES events received, the send, "
        "delivery and arrival latency, and the S3 prefix of the round's artifacts.",
        epilog=_EPILOG,
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--last", type=_last, metavar="N", help=f"the last N rounds (default {DEFAULT_LAST})")
    which.add_argument("--since", type=_moment, metavar="TIME", help="the rounds started at or after TIME")
    parser.add_argument("--until", type=_moment, metavar="TIME", help="... and at or before TIME (default: now)")
    parser.add_argument("--path", metavar="P", help="only path P: a name (api, smtp:lab) or a kind (api, smtp)")
    parser.add_argument("--failed", action="store_true", help="only the failed or lost rounds (paths, with --path)")
    parser.add_argument("--json", action="store_true", help="print one JSON document (schema mailcanary.history/1)")
    source = parser.add_argument_group("where the rounds are (default: the stack named by $MAILCANARY_STACK)")
    source.add_argument("--stack", type=_stack_name, help="a deployed stack: its table and bucket from its outputs")
    source.add_argument("--endpoint-url", metavar="URL", help="a DynamoDB endpoint, e.g. the lab's moto server")
    source.add_argument("--table", metavar="NAME", help=f"the canary table on --endpoint-url (default {LAB_TABLE})")
    source.add_argument("--artifact-bucket", metavar="NAME", help="the artifact bucket, with --endpoint-url")
    source.add_argument("--region", help="the AWS region (default: the AWS CLI's)")
    parser.set_defaults(func=run)


def _stack_default() -> str:
    import os

    return os.environ.get("MAILCANARY_STACK", "mailcanary")


def run(args: argparse.Namespace, clients: Any = None) -> int:
    """Read and print the rounds; `clients` (service -> client) replaces boto3's session in tests."""
    from mailcanary.core.checks import CanaryState
    from mailcanary.history import (
        SourceNotReadableError,
        endpoint_source,
        history_document,
        render_history,
        session_factory,
        stack_source,
    )
    from mailcanary.store import CanaryStore, HistoryQuery, HistoryQueryError, HistoryTooLargeError, StoreError

    if args.stack and (args.endpoint_url or args.table or args.artifact_bucket):
        raise UsageError("--stack reads the table and bucket from the stack: it takes no --endpoint-url/--table")
    if clients is not None:
        factory, region = clients, args.region or "us-east-1"
    else:
        factory, region = session_factory(args.region, args.endpoint_url)
    last = args.last if args.last is not None or args.since is not None else DEFAULT_LAST
    try:  # the question is checked before anything is read
        query = HistoryQuery(last, args.since, args.until, args.path, args.failed)
    except HistoryQueryError as exc:
        raise UsageError(str(exc)) from exc
    try:
        if args.endpoint_url or args.table:
            source = endpoint_source(
                factory, args.table or LAB_TABLE, endpoint_url=args.endpoint_url, artifact_bucket=args.artifact_bucket
            )
        else:
            source = stack_source(factory, args.stack or _stack_default(), region)
        canaries = CanaryStore(source.dynamodb, source.table_name).history(query)
    except HistoryTooLargeError as exc:
        raise UsageError(str(exc)) from exc
    except (SourceNotReadableError, StoreError) as exc:
        print(f"mailcanary history: {clean_text(' '.join(str(exc).split()))}", file=sys.stderr)
        return EXIT_SOURCE_UNREADABLE
    document = history_document(canaries, source=source.description, artifact_bucket=source.artifact_bucket)
    print(json_text(document) if args.json else clean_text(render_history(document)))
    failed = {CanaryState.FAILED, CanaryState.LOST}
    if args.path:  # only the paths shown count: the round may have failed on another one
        return 1 if any(path.state in failed for canary in canaries for path in canary.paths) else 0
    return 1 if any(canary.state in failed for canary in canaries) else 0
