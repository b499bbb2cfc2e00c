"""`mailcanary ses-send`: send one canary through the SES API path and print what happened.

Without --to the canary goes to the SES mailbox simulator's success address labelled with the canary id.
Exit 0 sent and consistent, 1 refused by SES (classified) or recipient findings, 2 bad arguments.
"""

from __future__ import annotations

import argparse
from typing import Any

from mailcanary.cli.safe_io import json_text
from mailcanary.core.errors import UsageError
from mailcanary.message import build_canary, default_recipients, new_canary_id
from mailcanary.recipients import RecipientError, compare, parse_header_recipients
from mailcanary.ses.api import SesApi, SesApiSender, make_client
from mailcanary.ses.errors import SesSendError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("ses-send", help="send one canary through the SES API")
    parser.add_argument("--from", dest="sender", metavar="ADDRESS", help="verified sender (default: settings)")
    parser.add_argument("--to", action="append", default=[], metavar="ADDRESS", help="repeatable")
    parser.add_argument("--cc", action="append", default=[], metavar="ADDRESS", help="repeatable")
    parser.add_argument("--bcc", action="append", default=[], metavar="ADDRESS", help="repeatable; envelope only")
    parser.add_argument("--api", choices=[api.value for api in SesApi], default=SesApi.V1.value)
    parser.add_argument("--configuration-set", metavar="NAME")
    parser.add_argument("--region", help="SES region (default: settings)")
    parser.add_argument("--endpoint-url", metavar="URL", help="e.g. a local moto server")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mailcanary.config.settings import Settings  # pydantic: imported only when the command runs

    settings = Settings.from_environ()
    canary_id = new_canary_id()
    sender = args.sender or settings.sender
    to = args.to or list(default_recipients(canary_id))
    try:
        canary = build_canary(canary_id, sender, to, args.cc, args.bcc, configuration_set=args.configuration_set)
    except RecipientError as exc:
        raise UsageError(str(exc)) from exc
    client = make_client(args.api, region=args.region or settings.ses_region, endpoint_url=args.endpoint_url)
    document: dict[str, Any] = {"canary_id": canary_id, "api": args.api, "message_id": None}
    try:
        result = SesApiSender(client, api=args.api).send(
            canary.raw,
            source=sender,
            destinations=canary.envelope_recipients,
            configuration_set=args.configuration_set,
            tags={"mailcanary": canary_id},
        )
    except SesSendError as exc:
        c = exc.classification
        document["error"] = {"check": c.check.value, "reason": c.reason.value, "code": c.code, "transient": c.transient}
        _print(args.json, document, f"canary {canary_id} not sent: {exc}")
        return 1
    findings = compare(intended=canary.plan, header=parse_header_recipients(result.raw), envelope=result.destinations)
    document |= {
        "message_id": result.message_id,
        "destinations": list(result.destinations),
        "duration_seconds": round(result.duration_seconds, 4),
        "findings": [finding.as_dict() for finding in findings],
    }
    text = f"canary {canary_id} sent via SES {args.api}: {result.message_id} to {', '.join(result.destinations)}"
    _print(args.json, document, text + "".join(f"\n  {f.kind.value} {f.address}" for f in findings))
    return 1 if findings else 0


def _print(as_json: bool, document: dict[str, Any], text: str) -> None:
    print(json_text(document) if as_json else text)
