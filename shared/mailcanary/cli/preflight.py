"""`mailcanary preflight --raw message.eml [--destinations a@x,b@y] [--json]`: check one raw message's recipients.

Compares the MIME headers with the Destinations you are about to pass to SendRawEmail (or only checks the
headers when none are given). Exit 0 consistent, 1 findings, 2 unreadable file or bad arguments, 3 too
large to check (headers or destinations over a limit of `mailcanary.recipients.limits`: one line on stderr;
with --json the document is printed too). Only the header block is read, never more than the limit.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, BinaryIO

from mailcanary.cli import EXIT_TOO_LARGE
from mailcanary.cli.safe_io import json_text
from mailcanary.core.errors import UsageError
from mailcanary.recipients import (
    MAX_HEADER_BLOCK_BYTES,
    FindingKind,
    RecipientsTooLargeError,
    compare,
    has_injection,
    parse_address_header,
    parse_header_recipients,
)
from mailcanary.recipients.normalise import printable

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
    addresses, defects = parse_address_header("To", value)  # raises RecipientsTooLargeError
    if defects:
        raise UsageError(f"--destinations: {printable(defects[0].message)}")
    return [address.addr_spec for address in addresses]


def run(args: argparse.Namespace) -> int:
    raw = _read(args.raw)
    try:
        destinations = None if args.destinations is None else parse_destinations(args.destinations)
    except RecipientsTooLargeError as exc:
        print(f"mailcanary preflight: --destinations {exc}", file=sys.stderr)
        return EXIT_TOO_LARGE
    header = parse_header_recipients(raw)
    findings = compare(intended=None, header=header, envelope=destinations)
    too_large = [finding for finding in findings if finding.kind is FindingKind.TOO_LARGE]
    if args.json:
        document = {
            "consistent": not findings,
            "header_recipients": list(header.normalised),
            "destinations": destinations,
            "findings": [finding.as_dict() for finding in findings],
        }
        print(json_text(document))
    elif not too_large:
        for finding in findings:
            print(f"{finding.kind.value:<22} {finding.address:<40} {finding.where:<10} {finding.detail}")
        if not findings:
            counted = "" if destinations is None else f" and {len(destinations)} destinations"
            print(f"consistent: {len(header.normalised)} header recipients{counted}")
    if too_large:
        print(f"mailcanary preflight: {too_large[0].where}: {too_large[0].detail}", file=sys.stderr)
        return EXIT_TOO_LARGE
    return 1 if findings else 0


def _read(name: str) -> bytes:
    """The message's first bytes: enough for a header block at its limit, never a whole huge file."""
    if name == "-":
        return _head(sys.stdin.buffer)
    try:
        with open(name, "rb") as stream:  # only a bounded head of the file is read
            return _head(stream)
    except OSError as exc:
        raise UsageError(f"cannot read {printable(name)}: {exc.strerror or exc}") from exc


def _head(stream: BinaryIO) -> bytes:
    return stream.read(MAX_HEADER_BLOCK_BYTES + 8)
