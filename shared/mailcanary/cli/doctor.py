"""`mailcanary doctor`: is a deployed stack ready to monitor? Read-only checks of the stack and the account.

Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage error, 3 the stack could not be read.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

from mailcanary.doctor import Report, StackNotReadableError, run_doctor

__all__ = ["EXIT_STACK_UNREADABLE", "register", "render", "run"]

EXIT_STACK_UNREADABLE = 3
_STACK_NAME = re.compile(r"[A-Za-z][-A-Za-z0-9]{0,127}")  # CloudFormation's rule for stack names


def _stack_name(text: str) -> str:
    if not _STACK_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"not a CloudFormation stack name: {text!r}")
    return text


_HELP = (
    "Read-only checks of a deployed stack (by name, from its outputs) and of the SES account: the sender identity, "
    "DKIM and MAIL FROM; sandbox, sending, enforcement and quota; the configuration set's event destination and "
    "the topic policy; the SMTP secret; the alarms; the last canary. One line per check with the evidence and, "
    "unless it passed, the fix."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check a deployed stack and the SES account (read-only)",
        description=_HELP,
        epilog="exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage error, "
        "3 the stack could not be read",
    )
    parser.add_argument(
        "--stack",
        type=_stack_name,
        default=os.environ.get("MAILCANARY_STACK", "mailcanary"),
        help="stack name (default: $MAILCANARY_STACK, else mailcanary)",
    )
    parser.add_argument("--region", help="the stack's region (default: the AWS CLI's)")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, clients: Any = None) -> int:
    """Run the checks with `clients` ((service, region) -> client; boto3's default session if None)."""
    import boto3

    session = boto3.session.Session(region_name=args.region) if clients is None else None
    region = args.region or (session.region_name if session else None) or "us-east-1"
    factory = clients or functools.cache(lambda service, where: session.client(service, region_name=where))  # type: ignore[union-attr]
    try:
        report = run_doctor(args.stack, region, factory, lambda: datetime.now(UTC))
    except StackNotReadableError as exc:
        print(f"mailcanary doctor: {exc}", file=sys.stderr)
        return EXIT_STACK_UNREADABLE
    print(json.dumps(report.to_dict(), indent=2) if args.json else render(report))
    return 1 if report.failed else 0


def render(report: Report) -> str:
    """One line per check (status, name, evidence), the fix indented below it, then the counts."""
    width = max(len(finding.check) for finding in report.findings) if report.findings else 0
    lines = [f"stack {report.stack.name} ({report.stack.region})"]
    for finding in report.findings:
        lines.append(f"{finding.status.value:<4}  {finding.check:<{width}}  {finding.evidence}")
        if finding.fix:
            lines.append(f"{'':<4}  {'':<{width}}  fix: {finding.fix}")
    counts = report.counts()
    lines.append(f"doctor: {counts['pass']} passed, {counts['warn']} warnings, {counts['fail']} failed")
    return "\n".join(lines)
