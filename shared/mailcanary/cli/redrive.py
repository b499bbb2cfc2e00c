"""`mailcanary redrive-ses-events --queue-url URL --function NAME [--max N] [--time-limit S] [--dry-run]`.

Replays the SES events waiting in the dead-letter queue (template output `SesEventsDeadLetterQueueUrl`) through
the SES-events function (output `SesEventsFunctionName`), synchronously, deleting each message only when the
function processed it. One line per message, then a summary. Exit 0 when every message was redriven (or, with
--dry-run, is redrivable), 1 when some stay queued or an AWS call failed, 2 bad arguments.
Needs sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility on the queue and
lambda:InvokeFunction on the function, from the default AWS credentials and region.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from mailcanary.core.errors import UsageError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("redrive-ses-events", help="replay SES events from the dead-letter queue")
    parser.add_argument("--queue-url", required=True, metavar="URL", help="the SesEventsDeadLetterQueueUrl output")
    parser.add_argument("--function", required=True, metavar="NAME", help="the SesEventsFunctionName output")
    parser.add_argument("--max", type=int, default=100, metavar="N", help="messages at most (default 100)")
    parser.add_argument("--time-limit", type=float, default=120, metavar="SECONDS", help="default 120")
    parser.add_argument("--dry-run", action="store_true", help="read and report; invoke and delete nothing")
    parser.add_argument("--region", help="AWS region (default: from the queue URL, else the AWS configuration)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mailcanary.dead_letters import LambdaInvoker, Outcome, RedriveLimits, redrive

    limits = RedriveLimits(max_messages=args.max, time_limit_seconds=args.time_limit)
    region = args.region or _queue_region(args.queue_url)
    sqs, lambda_ = _clients(region)
    invoker = LambdaInvoker(lambda_, args.function)
    counts: Counter[Outcome] = Counter()
    for report in redrive(sqs, args.queue_url, invoker, limits=limits, dry_run=args.dry_run):
        print(report.line(), flush=True)
        counts[report.outcome] += 1
    summary = ", ".join(f"{counts[outcome]} {outcome.value}" for outcome in Outcome if counts[outcome])
    dry = " (dry run: nothing invoked or deleted)" if args.dry_run else ""
    print(f"summary: {summary or 'no messages'}{dry}")
    return 1 if counts[Outcome.FAILED] or counts[Outcome.UNRECOGNISED] else 0


def _queue_region(queue_url: str) -> str | None:
    """The region in an SQS queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`), else None."""
    parts = urlsplit(queue_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path.count("/") != 2:
        raise UsageError(
            f"--queue-url must be a queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME), not {queue_url!r}"
        )
    host = parts.hostname or ""
    labels = host.split(".")
    return labels[1] if host.endswith(".amazonaws.com") and labels[0] == "sqs" and len(labels) >= 4 else None


def _clients(region: str | None) -> tuple[Any, Any]:
    """SQS and Lambda clients from the default session; Lambda's read timeout outlasts one invocation."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import NoRegionError

    session = boto3.session.Session(region_name=region)
    invoke = Config(read_timeout=960, retries={"mode": "standard", "max_attempts": 1})  # never re-invoke by itself
    try:
        return session.client("sqs"), session.client("lambda", config=invoke)
    except NoRegionError as exc:
        raise UsageError("no AWS region: give --region or set AWS_REGION") from exc
