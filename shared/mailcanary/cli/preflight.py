"""`mailcanary preflight --raw message.eml [--destinations a@x,b@y] [--json]`: check one raw message's recipients.

Compares the MIME headers with the Destinations you are about to pass to SendRawEmail (or only checks the
headers when none are given). Exit 0 consistent, 1 findings, 2 unreadable file or bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mailcanary.core.errors import UsageError
from mailcanary.recipients import compare, has_injection, parse_address_header, parse_header_recipients

__all__ = ["parse_destinations", "register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("preflight", help="check a raw message's recipients against its Destinations")
    parser.add_argument("--raw", required=True, metavar="FILE", help="the raw message (.eml); '-' reads stdin")
    parser.add_argument("--destinations", metavar="LIST", help="comma-separated envelope addresses, as for the API")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def parse_destinations(value: str) -> list[str]:
    """Addresses from a comma-separated list (parsed as an address list, so quoted commas are safe).

    A value carrying CR, LF or NUL is kept whole so the comparison reports it as an injection attempt.
    """
    if has_injection(value):
        return [value]
    addresses, defects = parse_address_header("To", value)
    if defects:
        raise UsageError(f"--destinations: {defects[0].message}")
    return [address.addr_spec for address in addresses]


def run(args: argparse.Namespace) -> int:
    raw = _read(args.raw)
    destinations = None if args.destinations is None else parse_destinations(args.destinations)
    header = parse_header_recipients(raw)
    findings = compare(intended=None, header=header, envelope=destinations)
    if args.json:
        document = {
            "consistent": not findings,
            "header_recipients": list(header.normalised),
            "destinations": destinations,
            "findings": [finding.as_dict() for finding in findings],
        }
        print(json.dumps(document, indent=2))
    else:
        for finding in findings:
            print(f"{finding.kind.value:<22} {finding.address:<40} {finding.where:<10} {finding.detail}")
        if not findings:
            counted = "" if destinations is None else f" and {len(destinations)} destinations"
            print(f"consistent: {len(header.normalised)} header recipients{counted}")
    return 1 if findings else 0


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from exc
